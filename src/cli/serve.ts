// `nbia serve`: runs the API server on the embedded default or on PostgreSQL. The server,
// its plugins and the demo generator load when the command runs, not at registration.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { Command } from 'commander';
import { DEFAULT_HOST, resolvePort } from '../config.js';
import { DEFAULT_SERVER_OPTIONS, type AppContext } from '../context.js';
import { UserError } from '../errors.js';
import { action, addBlobOptions, addStoreOptions, openFromFlags, type StoreFlags } from './common.js';
import { isWorker, parseWorkers, startWorkers } from './serve-workers.js';

interface ServeFlags extends StoreFlags {
  host?: string;
  port?: string;
  demo: boolean;
  tlsCert?: string;
  tlsKey?: string;
  publicOnly?: boolean;
  trustProxy?: boolean;
  tokenLifetime?: string;
  userAgreement?: string;
  workers?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function registerServe(program: Command): void {
  addStoreOptions(
    addBlobOptions(program
      .command('serve')
      .description('serve the archive over the NBIA REST API at http(s)://HOST:PORT/nbia-api/')
      .option('--host <host>', 'address to listen on (env NBIA_HOST)', process.env.NBIA_HOST ?? DEFAULT_HOST)
      .option('--port <port>', 'port to listen on (env NBIA_PORT, default 8080)')
      .option('--no-demo', 'do not create the demo archive when the index is empty')
      .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (env NBIA_TLS_CERT)', process.env.NBIA_TLS_CERT)
      .option('--tls-key <file>', 'the PEM private key of --tls-cert (env NBIA_TLS_KEY)', process.env.NBIA_TLS_KEY)
      .option('--public-only', 'public host: only the guest logs in and only public collections exist (env NBIA_PUBLIC_ONLY=1)', process.env.NBIA_PUBLIC_ONLY === '1')
      .option('--trust-proxy', 'behind a reverse proxy: read client addresses from X-Forwarded-For (env NBIA_TRUST_PROXY=1)', process.env.NBIA_TRUST_PROXY === '1')
      .option('--token-lifetime <seconds>', 'access token lifetime (env NBIA_TOKEN_LIFETIME, default 7200)', process.env.NBIA_TOKEN_LIFETIME)
      .option('--user-agreement <file>', 'the user agreement v1/getUserAgreementTxt serves (env NBIA_USER_AGREEMENT)', process.env.NBIA_USER_AGREEMENT)
      .option('--workers <n>', 'server processes on the one port, e.g. one per core (env NBIA_WORKERS, default 1)', process.env.NBIA_WORKERS)),
  ).action(action(serve));
}

/**
 * A serving process keeps a small live heap (about 25 MB), but V8 lets the garbage that
 * busy listings promote out of the young generation pile up to several times that before
 * a full collection: after the lookups of `npm run bench -- peers` the server held 151-176
 * MB, of which some 70 MB was V8 heap waiting to be collected. Letting the old generation
 * grow by a quarter of what survived the last collection instead held it at 131-133 MB,
 * with the same lookups per second (64 connections: 4,932-5,002 against 4,465-4,882).
 * V8 reads this flag at each collection, so setting it once the process runs is enough.
 */
function keepHeapNearLiveSize(): void {
  v8.setFlagsFromString('--heap-growing-percent=25');
}

async function serve(flags: ServeFlags): Promise<void> {
  const port = resolvePort(flags.port);
  const host = flags.host ?? DEFAULT_HOST;
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
    throw new UserError('HTTPS needs both --tls-cert and --tls-key');
  }
  let https: { key: Buffer; cert: Buffer } | null = null;
  if (flags.tlsCert && flags.tlsKey) {
    try {
      https = { cert: fs.readFileSync(flags.tlsCert), key: fs.readFileSync(flags.tlsKey) };
    } catch (err) {
      throw new UserError(`cannot read the TLS files: ${(err as Error).message}`);
    }
  }
  const workers = parseWorkers(flags.workers);
  const tokenLifetimeSeconds = flags.tokenLifetime === undefined ? DEFAULT_SERVER_OPTIONS.tokenLifetimeSeconds : Number(flags.tokenLifetime);
  if (!Number.isInteger(tokenLifetimeSeconds) || tokenLifetimeSeconds <= 0) {
    throw new UserError(`--token-lifetime must be a positive whole number of seconds, not "${flags.tokenLifetime}"`);
  }

  const [{ buildServer }, { ensureDemoArchive }, { describeDatabaseUrl }] = await Promise.all([
    import('../server.js'),
    import('../demo/index.js'),
    import('../store/db.js'),
  ]);
  if (flags.userAgreement !== undefined && flags.userAgreement !== '') {
    if (!fs.existsSync(flags.userAgreement)) throw new UserError(`--user-agreement: no such file: ${flags.userAgreement}`);
  }
  const opened = await openFromFlags(flags);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // The primary prepares the index once (migrations ran as it opened; the demo archive); workers only serve.
  if (flags.demo && !isWorker()) await ensureDemoArchive(opened, log);
  if (workers > 1 && !isWorker()) {
    await opened.store.close();
    const listening = await startWorkers(workers, log);
    printBanner({ https: https !== null, host, port: listening, dataDir: opened.config.dataDir, index: describeDatabaseUrl(opened.config.databaseUrl), publicOnly: Boolean(flags.publicOnly), workers, log });
    return;
  }

  keepHeapNearLiveSize();
  const ctx: AppContext = {
    store: opened.store,
    blobs: opened.blobs,
    options: {
      ...DEFAULT_SERVER_OPTIONS,
      publicOnly: Boolean(flags.publicOnly),
      tokenLifetimeSeconds,
      userAgreementFile: flags.userAgreement ? path.resolve(flags.userAgreement) : null,
    },
  };
  const app = await buildServer(ctx, { logger: { level: process.env.NBIA_LOG_LEVEL ?? 'warn' }, https, trustProxy: Boolean(flags.trustProxy) });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await opened.store.close();
    throw new UserError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  if (!isWorker()) {
    printBanner({ https: https !== null, host, port: actualPort, dataDir: opened.config.dataDir, index: describeDatabaseUrl(opened.config.databaseUrl), publicOnly: ctx.options.publicOnly, workers: 1, log });
  }

  const stop = async () => {
    await app.close();
    await opened.store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

interface Banner {
  https: boolean;
  host: string;
  port: number;
  dataDir: string;
  index: string;
  publicOnly: boolean;
  workers: number;
  log: (line: string) => void;
}

/** What `nbia serve` prints once it listens (the first line names the address; scripts and tests read it). */
function printBanner(b: Banner): void {
  const scheme = b.https ? 'https' : 'http';
  const shownHost = b.host.includes(':') ? `[${b.host}]` : b.host;
  const base = `${scheme}://${shownHost}:${b.port}/nbia-api`;
  const log = b.log;
  log(`nbia: serving ${b.dataDir} (index ${b.index}) at ${base}/${b.workers > 1 ? ` with ${b.workers} worker processes` : ''}`);
  if (!b.https && !LOOPBACK.test(b.host)) {
    log(`nbia: WARNING: listening on ${b.host} without TLS: passwords and tokens would travel in clear text. Use --tls-cert and --tls-key.`);
  }
  if (b.publicOnly) log('nbia: public-only mode: only nbia_guest can log in, only public collections exist');
  log('Try:');
  log(`  curl '${base}/services/v4/getCollectionValues'`);
  log(`  curl '${base}/services/v4/getSeries?Collection=DEMO-CT-LUNG' | head -c 600`);
  log(`  curl -d 'username=nbia_guest&password=&grant_type=password&client_id=NBIA' '${base}/oauth/token'`);
  log(`  API documentation: ${base}/docs`);
}
