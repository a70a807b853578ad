// `.tcia` manifests, the Data Retriever's input (spec §7.7): `key=value` header lines, then
// `ListOfSeriesToDownload=` and one SeriesInstanceUID per line. As the Data Retriever does,
// any line without `=` is a UID, so manifests with extra or reordered header lines still read.

export interface Manifest {
  /** The manifest's downloadServerUrl: the default server. */
  downloadServerUrl?: string;
  seriesInstanceUids: string[];
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

export function parseManifest(text: string): Manifest {
  const manifest: Manifest = { seriesInstanceUids: [] };
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq >= 0) {
      if (line.slice(0, eq).trim() === 'downloadServerUrl') manifest.downloadServerUrl = line.slice(eq + 1).trim() || undefined;
      return;
    }
    if (!UID.test(line)) throw new Error(`line ${i + 1} is neither a key=value line nor a SeriesInstanceUID: ${JSON.stringify(line.slice(0, 80))}`);
    if (!seen.has(line)) {
      seen.add(line);
      manifest.seriesInstanceUids.push(line);
    }
  });
  return manifest;
}
