// JSON answers the advanced endpoints build themselves (objects, or arrays whose null
// values must stay as `null` the way the original's Jackson writes them), as a RawBody.
import type { RawBody } from '../endpoint.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonBody(value: unknown): RawBody {
  return { raw: JSON.stringify(value), contentType: JSON_TYPE };
}
