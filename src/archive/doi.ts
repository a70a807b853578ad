// DOIs as NBIA keeps them. The original has no DOI column: a collection's DOI is its
// "data description URI" (`general_series.description_uri`, our collection.description_uri),
// a https://doi.org/ link, which its submitDOIForCollection sets for every series of a
// collection. `nbia collections set NAME --doi 10.x/y` writes that link here too, so the DOI
// lives in one place and DataDescriptionURI / CollectionURI show it everywhere.
import { badRequest } from '../errors.js';

const DOI_LINK = 'https://doi.org/';

/**
 * The bare DOI (`10.7937/k9/tcia.2015.lo9ql9sx`, lower-cased: DOIs are case-insensitive)
 * of a DOI given as `10.x/y`, `doi:10.x/y` or a doi.org / dx.doi.org link; undefined when
 * the text is not a DOI.
 */
export function bareDoi(text: string): string | undefined {
  const t = text.trim().replace(/^doi:\s*/i, '').replace(/^https?:\/\/(dx\.)?doi\.org\//i, '');
  return /^10\.\d{4,9}\/\S+$/.test(t) ? t.toLowerCase() : undefined;
}

/** The https://doi.org/ link of a DOI given by a user; a 400 naming the form when it is not one. */
export function doiLink(text: string): string {
  const t = text.trim().replace(/^doi:\s*/i, '').replace(/^https?:\/\/(dx\.)?doi\.org\//i, '');
  if (bareDoi(t) === undefined) throw badRequest(`"${text}" is not a DOI: give it as 10.NNNN/suffix or https://doi.org/10.NNNN/suffix`);
  return `${DOI_LINK}${t}`;
}
