// The demo archive made on first start: when the index holds no collection, write the
// demo files under <data>/demo-source/, ingest them collection by collection, set each
// collection's licence and description, and share a cart of a few series.
import path from 'node:path';
import type { Opened } from '../cli/common.js';
import { DEFAULT_CART_OWNER } from '../cli/carts.js';
import { ApiError } from '../errors.js';
import { listCollections, setCollection } from '../archive/collections.js';
import { createCart } from '../archive/carts.js';
import { ingest } from '../ingest/index.js';
import { DEMO_COLLECTIONS } from './collections.js';
import { writeDemoArchive } from './generate.js';
import { planDemoArchive, type DemoCollectionPlan } from './plan.js';

export { DEMO_COLLECTIONS, type DemoCollection } from './collections.js';
export { planDemoArchive, countDemoFiles, SOP_CLASS } from './plan.js';
export { generateDemoFiles, writeDemoArchive, type DemoFile, type DemoWriteSummary } from './generate.js';

export const DEMO_CART_NAME = 'demo-cart';
export const DEMO_SOURCE_FOLDER = 'demo-source';

/** The shared cart's series: the first series of the first patient of each public collection, and the lung SEG. */
export function demoCartSeries(plans: DemoCollectionPlan[]): string[] {
  const uids: string[] = [];
  for (const plan of plans) {
    const description = DEMO_COLLECTIONS.find((c) => c.name === plan.name);
    const study = plan.patients[0]?.studies[0];
    if (!description?.public || !study) continue;
    for (const series of study.series) {
      if (series === study.series[0] || series.modality === 'SEG') uids.push(series.uid);
    }
  }
  return uids;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Generates and ingests the demo archive when the index holds no collection; returns whether it did. */
export async function ensureDemoArchive(opened: Opened, log: (line: string) => void): Promise<boolean> {
  const { db } = opened.store;
  if ((await listCollections(db)).length > 0) return false;

  const started = performance.now();
  const sourceDir = path.join(opened.config.dataDir, DEMO_SOURCE_FOLDER);
  log(`nbia: the index holds no collection: creating the demo archive from ${sourceDir} (start with --no-demo to skip)`);
  const plans = planDemoArchive();
  const written = writeDemoArchive(sourceDir, { plans });

  let images = 0;
  let skipped = 0;
  for (const collection of written.collections) {
    const description = DEMO_COLLECTIONS.find((c) => c.name === collection.name);
    if (!description) throw new Error(`demo collection ${collection.name} has no description`);
    const summary = await ingest(opened, [collection.folder], { collection: collection.name, public: description.public, inPlace: false });
    images += summary.filesAdded + summary.filesAlreadyPresent;
    skipped += summary.filesSkipped;
    await setCollection(db, collection.name, {
      public: description.public,
      licenseName: description.licenseName,
      licenseUri: description.licenseUri,
      description: description.description,
      descriptionUri: description.descriptionUri,
    });
  }

  const cartSeries = demoCartSeries(plans);
  let cartNote = `shared cart ${DEMO_CART_NAME} (${cartSeries.length} series)`;
  try {
    await createCart(db, DEMO_CART_NAME, cartSeries, DEFAULT_CART_OWNER, { description: 'A few series of the public demo collections' });
  } catch (err) {
    // A cart of that name left from an earlier archive is kept as it is.
    if (!(err instanceof ApiError)) throw err;
    cartNote = `cart ${DEMO_CART_NAME} not created: ${err.message}`;
  }

  const names = DEMO_COLLECTIONS.map((c) => `${c.name}${c.public ? '' : ' (restricted)'}`).join(', ');
  const patients = written.collections.reduce((n, c) => n + c.patients, 0);
  const series = written.collections.reduce((n, c) => n + c.series, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`nbia: demo archive ready in ${seconds} s: ${names}; ${patients} patients, ${series} series, ${images} images, ${megabytes(written.bytes)}; ${cartNote}`);
  if (skipped > 0) log(`nbia: WARNING: ${skipped} demo files were skipped by ingest; see the reports under ${path.join(opened.config.dataDir, 'reports')}`);
  return true;
}
