// How values read to people: sizes, species codes, descriptions stored as HTML.

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** SNOMED CT codes NBIA uses for species (337915000 when the header states none). */
const SPECIES: Record<string, string> = {
  '337915000': 'Homo sapiens',
  '448771007': 'Canis familiaris',
  '447612001': 'Mus musculus',
  '448169003': 'Felis catus',
  '425121004': 'Rattus',
};

export function speciesName(code: string): string {
  return SPECIES[code] ?? code;
}

/**
 * Collection descriptions are stored as HTML. The portal shows their text only: parsed
 * inert by DOMParser (no scripts run, nothing fetched) and read back as textContent.
 */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return (doc.body.textContent ?? '').replace(/\s+/g, ' ').trim();
}
