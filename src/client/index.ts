// `nbia-archive/client`: the typed NBIA client (fetch only; Node and browsers).
export { NbiaClient, type NbiaClientOptions } from './client.js';
export { Session, GUEST } from './session.js';
export { apiRoot, endpointUrl, type Family } from './base-url.js';
export { ENDPOINTS, functionName, type EndpointInfo, type Answer } from './endpoints.js';
export { parseCsv, csvObjects } from './csv.js';
export * from './errors.js';
export type * from './api.js';
export type * from './rows.js';
