// The OAuth2 face: POST /nbia-api/oauth/token (also under services/, where nbiatoolkit
// posts) and GET|POST /nbia-api/logout (also under services/).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { API_ROOT } from '../nbia/families.js';
import { handleTokenRequest, logout } from './oauth.js';
import { bearerToken } from './viewer.js';
import { prepareDummyHash } from './passwords.js';

const TOKEN_PATHS = [`${API_ROOT}/oauth/token`, `${API_ROOT}/services/oauth/token`];
const LOGOUT_PATHS = [`${API_ROOT}/logout`, `${API_ROOT}/services/logout`];

/** A client id sent the HTTP Basic way (`Authorization: Basic base64(id:secret)`), as Spring OAuth2 allowed. */
function basicClientId(request: FastifyRequest): string | undefined {
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Made now, so that even the first login for an unknown account takes the usual time.
  void prepareDummyHash();
  TOKEN_PATHS.forEach((url, i) => {
    app.post(
      url,
      {
        schema: {
          hide: i > 0,
          tags: ['auth'],
          summary: 'Log in (grant_type=password) or refresh (grant_type=refresh_token)',
          description:
            'Form-encoded. client_id NBIA, nbia or nbiaRestAPIClient (any client_secret). nbia_guest logs in with any ' +
            'password and sees public collections. Replies access_token, expires_in, refresh_token, refresh_expires_in, ' +
            'id_token, token_type, scope, not-before-policy, session_state. A refresh token works once.',
        },
      },
      async (request, reply) => {
        reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
        const body = await handleTokenRequest(ctx, {
          fields: request.body,
          address: request.ip,
          basicClientId: basicClientId(request),
        });
        return reply.type('application/json').send(body);
      },
    );
  });
  LOGOUT_PATHS.forEach((url, i) => {
    app.route({
      method: ['GET', 'POST'],
      url,
      // GET logs out (as the clients expect), but a HEAD must never end a session.
      exposeHeadRoute: false,
      schema: {
        hide: i > 0,
        tags: ['auth'],
        summary: 'Log out: revokes the access and refresh tokens of the bearer\'s session',
      },
      handler: async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return reply.type('application/json').send(await logout(ctx, bearerToken(request), request.ip));
      },
    });
  });
}
