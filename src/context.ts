// What every face of the server shares: the index, the file store and the options.
import type { Store } from './store/db.js';
import type { BlobStore } from './blobs/blob-store.js';
import { AccessScope, type Viewer } from './archive/access.js';

export interface ServerOptions {
  /** Only the guest may log in and only public collections exist (an NLST-style public host). */
  publicOnly: boolean;
  /** Access token lifetime in seconds (default 7200). */
  tokenLifetimeSeconds: number;
  /** Refresh token lifetime in seconds (default 86400). */
  refreshLifetimeSeconds: number;
  /** The user-agreement file v1/getUserAgreementTxt serves (read on each request); null: none, a 404. */
  userAgreementFile?: string | null;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  publicOnly: false,
  tokenLifetimeSeconds: 7200,
  refreshLifetimeSeconds: 86400,
};

export interface AppContext {
  store: Store;
  blobs: BlobStore;
  options: ServerOptions;
}

/** The only way a face reads archive data: through the scope of the viewer asking. */
export function scopeFor(ctx: AppContext, viewer: Viewer): AccessScope {
  return new AccessScope(ctx.store.db, viewer);
}
