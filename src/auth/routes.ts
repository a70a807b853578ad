// POST /nbia-api/oauth/token and /nbia-api/logout (to be written: issue 3).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function registerAuthRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
