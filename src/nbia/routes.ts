// Every NBIA metadata endpoint reaches the router here, through registerEndpoint.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { registerEndpoint } from './endpoint.js';
import { SEARCH_ENDPOINTS } from './endpoints/index.js';
import { ADVANCED_ENDPOINTS } from './advanced/index.js';

export function registerNbiaRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const def of [...SEARCH_ENDPOINTS, ...ADVANCED_ENDPOINTS]) registerEndpoint(app, ctx, def);
}
