// The v1, v2 and v4 metadata endpoints (spec §5, §8).
import type { EndpointDef } from '../endpoint.js';
import { deniedEndpoints } from './denied.js';
import { imageEndpoints } from './images.js';
import { patientEndpoints } from './patients.js';
import { serverInfoEndpoints } from './server-info.js';
import { sopClassEndpoints } from './sop-classes.js';
import { seriesEndpoints } from './series.js';
import { valuesEndpoints } from './values.js';

export const SEARCH_ENDPOINTS: EndpointDef[] = [
  ...valuesEndpoints,
  ...patientEndpoints,
  ...seriesEndpoints,
  ...imageEndpoints,
  ...deniedEndpoints,
  ...serverInfoEndpoints,
  ...sopClassEndpoints,
];
