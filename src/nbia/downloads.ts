// getImage, getImageWithMD5Hash, getSingleImage (to be written: issue 4).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export function registerDownloadRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
