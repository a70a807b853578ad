// The NBIA metadata endpoints (to be written: issue 2).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function registerNbiaRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
