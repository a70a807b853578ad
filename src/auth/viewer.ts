// Who is asking: turns the request's bearer token into a Viewer for the family's rules.
// (Until the accounts issue lands, every caller is the guest.)
import type { FastifyRequest } from 'fastify';
import { GUEST, type Viewer } from '../archive/access.js';
import type { Family } from '../nbia/families.js';
import type { AppContext } from '../context.js';

export async function resolveViewer(_ctx: AppContext, _request: FastifyRequest, _family: Family): Promise<Viewer> {
  return GUEST;
}
