// `nbia carts create NAME --series UID...`: a shared cart (NBIA "shared list") that anyone
// can read back by name with getContentsByName; each reader sees only the series of the
// collections they may see.
// The archive queries load when the subcommand runs.
import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiError, UserError } from '../errors.js';
import { action, addStoreOptions, withStore, type StoreFlags } from './common.js';
import { usageErrorsExitWith2 } from './ingest.js';

interface CreateFlags extends StoreFlags {
  series?: string[];
  seriesFile?: string;
  description?: string;
  url?: string;
  owner: string;
}

export const DEFAULT_CART_OWNER = 'admin';

export function registerCarts(program: Command): void {
  const carts = program
    .command('carts')
    .summary('create shared carts (read back by name with getContentsByName)')
    .description('Manage shared carts: named lists of series that NBIA clients read back with getContentsByName.');
  usageErrorsExitWith2(carts);
  addStoreOptions(
    carts
      .command('create')
      .description('create a shared cart from series already in the archive; names are unique, compared case-insensitively')
      .argument('<name>', 'the cart name clients ask for (getContentsByName?name=...)')
      .option('--series <uid...>', 'SeriesInstanceUIDs, in the order the cart lists them')
      .option('--series-file <file>', 'a file with one SeriesInstanceUID per line (after any --series)')
      .option('--description <text>', 'what the cart holds')
      .option('--url <url>', 'a link shown with the cart (NBIA HYPERLINK)')
      .option('--owner <user>', 'the account that owns the cart (may delete it)', DEFAULT_CART_OWNER),
  )
    .addHelpText('after', '\nExample:\n  nbia carts create lung-demo --series 1.2.840.1.1 1.2.840.1.2 --description "two CT series"')
    .action(action(create));
}

async function create(name: string, flags: CreateFlags): Promise<void> {
  const uids = [...(flags.series ?? [])];
  if (flags.seriesFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(flags.seriesFile, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read --series-file ${flags.seriesFile}: ${(err as Error).message}`);
    }
    uids.push(...text.split(/[\r\n,]+/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  }
  if (uids.length === 0) throw new UserError('give the cart at least one series: --series UID... or --series-file FILE');
  if (flags.url !== undefined) {
    try {
      new URL(flags.url);
    } catch {
      throw new UserError(`--url must be an absolute URL (https://...), not "${flags.url}"`);
    }
  }
  const { createCart } = await import('../archive/carts.js');
  const cart = await withStore(flags, async ({ store }) => {
    try {
      return await createCart(store.db, name, uids, flags.owner, { description: flags.description ?? null, url: flags.url ?? null });
    } catch (err) {
      if (err instanceof ApiError) throw new UserError(err.message);
      throw err;
    }
  });
  process.stdout.write(`cart "${cart.name}" created with ${cart.seriesInstanceUids.length} series (owner ${cart.owner})\n`);
}
