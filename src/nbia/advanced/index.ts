// The unversioned "advanced" endpoints and their v4 counterparts (spec §7, §8).
import type { EndpointDef } from '../endpoint.js';

export const ADVANCED_ENDPOINTS: EndpointDef[] = [];
