// `nbia collections list` and `nbia collections set NAME ...`: see the collections with
// their sizes, make one public or restricted, set its licence and description.
// The archive queries load when a subcommand runs.
import { Option, type Command } from 'commander';
import { ApiError, UserError } from '../errors.js';
import type { CollectionChanges, CollectionListing } from '../archive/collections.js';
import { formatBytes } from '../ingest/report.js';
import { action, addStoreOptions, withStore, type StoreFlags } from './common.js';
import { usageErrorsExitWith2 } from './ingest.js';

interface ListFlags extends StoreFlags {
  json?: boolean;
}

interface SetFlags extends StoreFlags {
  public?: boolean;
  restricted?: boolean;
  licenseName?: string;
  licenseUri?: string;
  licenseText?: string;
  description?: string;
  descriptionUri?: string;
  doi?: string;
  commercialUse?: string;
}

export function registerCollections(program: Command): void {
  const collections = program
    .command('collections')
    .summary('list collections; make one public or restricted, set its licence and description')
    .description('Manage collections. A collection is restricted (only users granted it see it) unless made public.');
  usageErrorsExitWith2(collections);

  addStoreOptions(
    collections
      .command('list')
      .description('list the collections: access, patients, series, images, bytes and licence')
      .option('--json', 'print JSON instead of a table'),
  ).action(action(list));

  addStoreOptions(
    collections
      .command('set')
      .description(
        'create a collection or change one: access, licence, description. Only the options given change; ' +
          'an empty value ("") clears a text field.',
      )
      .argument('<name>', 'collection name (matched case-insensitively; created if missing, restricted unless --public)')
      .addOption(new Option('--public', 'everyone sees it, the guest included').conflicts('restricted'))
      .addOption(new Option('--restricted', 'only users granted the collection see it'))
      .option('--license-name <text>', 'licence name, e.g. "CC BY 4.0" (NBIA LicenseName)')
      .option('--license-uri <url>', 'licence URL, e.g. https://creativecommons.org/licenses/by/4.0/ (NBIA LicenseURI)')
      .option('--license-text <text>', 'the licence text, written as LICENSE into downloaded ZIPs')
      .option('--description <text>', 'collection description (getCollectionDescriptions); HTML allowed as in NBIA')
      .option('--description-uri <url>', 'a page describing the collection (NBIA DescriptionURI)')
      .option('--doi <doi>', 'the collection\'s DOI (10.NNNN/suffix); stored as its https://doi.org/ description URI, as NBIA does')
      .option('--commercial-use <yes|no>', 'whether the licence allows commercial use (simple search ExcludeCommercialCriteria)'),
  )
    .addHelpText('after', '\nExample:\n  nbia collections set LIDC-IDRI --public --license-name "CC BY 3.0" --license-uri https://creativecommons.org/licenses/by/3.0/')
    .action(action(set));
}

function checkUrl(value: string | undefined, flag: string): void {
  if (value === undefined || value.trim() === '') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${flag} must be an absolute URL (https://...), not "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`${flag} must be an http(s) URL, not "${value}"`);
}

async function set(name: string, flags: SetFlags): Promise<void> {
  if (name.trim() === '') throw new UserError('the collection name must not be empty');
  checkUrl(flags.licenseUri, '--license-uri');
  checkUrl(flags.descriptionUri, '--description-uri');
  if (flags.doi !== undefined && flags.descriptionUri !== undefined) throw new UserError('give either --doi or --description-uri, not both');
  const changes: CollectionChanges = {};
  if (flags.public) changes.public = true;
  if (flags.restricted) changes.public = false;
  if (flags.licenseName !== undefined) changes.licenseName = flags.licenseName;
  if (flags.licenseUri !== undefined) changes.licenseUri = flags.licenseUri;
  if (flags.licenseText !== undefined) changes.licenseText = flags.licenseText;
  if (flags.description !== undefined) changes.description = flags.description;
  if (flags.descriptionUri !== undefined) changes.descriptionUri = flags.descriptionUri;
  if (flags.doi !== undefined) {
    const { doiLink } = await import('../archive/doi.js');
    try {
      changes.descriptionUri = flags.doi.trim() === '' ? null : doiLink(flags.doi);
    } catch (err) {
      throw new UserError(`--doi: ${(err as Error).message}`);
    }
  }
  if (flags.commercialUse !== undefined) {
    const v = flags.commercialUse.trim().toUpperCase();
    if (!['YES', 'NO', ''].includes(v)) throw new UserError(`--commercial-use must be yes or no, not "${flags.commercialUse}"`);
    changes.commercialUse = v === '' ? null : v;
  }
  const { setCollection } = await import('../archive/collections.js');
  const row = await withStore(flags, async ({ store }) => {
    try {
      return await setCollection(store.db, name, changes);
    } catch (err) {
      if (err instanceof ApiError) throw new UserError(err.message);
      throw err;
    }
  });
  const licence = row.license_name ? `, licence ${row.license_name}${row.license_uri ? ` <${row.license_uri}>` : ''}` : '';
  process.stdout.write(`collection "${row.name}": ${row.is_public === 1 ? 'public' : 'restricted'}${licence}\n`);
}

async function list(flags: ListFlags): Promise<void> {
  const { listCollections } = await import('../archive/collections.js');
  const rows = await withStore(flags, ({ store }) => listCollections(store.db));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no collections yet: add one with `nbia ingest PATH --collection NAME`\n');
    return;
  }
  process.stdout.write(formatTable(rows));
}

export function formatTable(rows: readonly CollectionListing[]): string {
  const header = ['COLLECTION', 'ACCESS', 'PATIENTS', 'SERIES', 'IMAGES', 'BYTES', 'SIZE', 'LICENCE'];
  const numeric = new Set([2, 3, 4, 5, 6]);
  const body = rows.map((r) => [
    r.name,
    r.isPublic ? 'public' : 'restricted',
    String(r.patients),
    String(r.series),
    String(r.images),
    String(r.bytes),
    formatBytes(r.bytes),
    r.licenseName ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [header, ...body].map((cells) => `${line(cells)}\n`).join('');
}
