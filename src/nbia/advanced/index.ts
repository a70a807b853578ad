// The unversioned "advanced" endpoints and their v4 counterparts (spec §7, §8).
import type { EndpointDef } from '../endpoint.js';
import { catalogueEndpoints } from './catalogue.js';
import { countEndpoints } from './counts.js';
import { descriptionEndpoints } from './descriptions.js';
import { dicomTagEndpoints } from './dicom-tags.js';
import { metadataEndpoints } from './metadata.js';
import { searchEndpoints } from './search.js';
import { seriesSearchEndpoints } from './series-search.js';
import { sharedListEndpoints } from './shared-lists.js';

export const ADVANCED_ENDPOINTS: EndpointDef[] = [
  ...countEndpoints,
  ...descriptionEndpoints,
  ...dicomTagEndpoints,
  ...metadataEndpoints,
  ...searchEndpoints,
  ...seriesSearchEndpoints,
  ...sharedListEndpoints,
  ...catalogueEndpoints,
];
