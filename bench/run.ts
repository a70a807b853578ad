// `npm run bench`: figures and ratios against baselines measured in the same run, never
// pass/fail. Each part lives in its own module; pick parts with `npm run bench -- ingest queries`.
type Bench = () => Promise<Record<string, number | string>>;

const PARTS: Record<string, () => Promise<Bench>> = {
  parse: async () => (await import('./parse.js')).benchParse,
  ingest: async () => (await import('./ingest.js')).benchIngest,
  queries: async () => (await import('./queries.js')).benchQueries,
  download: async () => (await import('./download.js')).benchDownload,
  scale: async () => (await import('./scale/index.js')).benchScale,
  peers: async () => (await import('./peers.js')).benchPeers,
  'download-cli': async () => (await import('./download-cli.js')).benchDownloadCli,
  render: async () => (await import('./render.js')).benchRender,
  s3: async () => (await import('./s3.js')).benchS3,
  portal: async () => (await import('./portal.js')).benchPortal,
};

// `scale` takes options with values (`--images N`) and reads them itself, so it runs alone.
const wanted = process.argv[2] === 'scale' ? ['scale'] : process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in PARTS));
if (unknown.length > 0) {
  console.error(`unknown bench part(s): ${unknown.join(', ')}; choose from ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : Object.keys(PARTS).filter((p) => p !== 'scale');
const results: Record<string, Record<string, number | string>> = {};
for (const name of names) {
  const started = Date.now();
  console.log(`\n== ${name}`);
  const bench = await PARTS[name]!();
  results[name] = await bench();
  for (const [k, v] of Object.entries(results[name])) {
    console.log(`  ${k.padEnd(48)} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`);
  }
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
console.log('\n' + JSON.stringify(results));
