// A real S3 endpoint for tests: s3rver (an S3-compatible server on the local disk) on a
// free loopback port, with one bucket. It can be stopped the hard way (every open
// connection cut, as when an endpoint dies) and started again on the same port and data.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { S3Client } from '@aws-sdk/client-s3';
import { tempDir } from './stores.js';
import { s3ClientFromEnv } from '../../src/blobs/s3/client.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/blobs/s3/s3-blob-store.js';

export interface TestS3 {
  readonly bucket: string;
  /** The AWS variables that point a client (or an `nbia` child process) at this endpoint. */
  readonly env: Record<string, string>;
  readonly client: S3Client;
  /** A store on this endpoint's bucket under `prefix`. */
  store(prefix?: string, options?: S3BlobStoreOptions): S3BlobStore;
  /** Connections the endpoint accepted so far. */
  connections(): number;
  /** The endpoint dies: open connections are cut and new ones refused. */
  kill(): Promise<void>;
  /** Starts the endpoint again on the same port, with the objects it had. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

const BUCKET = 'nbia-test';

export async function startS3(): Promise<TestS3> {
  const directory = tempDir('nbia-s3-');
  let port = 0;
  let server: S3rver | undefined;
  let connections = 0;
  const httpOf = (s: S3rver) => (s as unknown as { httpServer: Server }).httpServer;
  const start = async () => {
    server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    const address = (await server.run()) as AddressInfo;
    port = address.port;
    httpOf(server).on('connection', () => connections++);
  };
  const kill = async () => {
    if (!server) return;
    // Requests still in flight log after close() took the logger's transports away; quiet them.
    (server as unknown as { logger: { silent: boolean } }).logger.silent = true;
    const closed = server.close();
    httpOf(server).closeAllConnections();
    await closed;
    server = undefined;
  };
  await start();
  const env = {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_REGION: 'us-east-1',
    // s3rver's built-in account
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    // Tests stop the endpoint on purpose: fail after one retry instead of backing off for long.
    AWS_MAX_ATTEMPTS: '2',
  };
  const client = s3ClientFromEnv(env);
  return {
    bucket: BUCKET,
    env,
    client,
    connections: () => connections,
    store: (prefix = 'archive/', options = {}) => new S3BlobStore(client, { bucket: BUCKET, prefix }, options),
    kill,
    restart: start,
    dispose: async () => {
      await kill();
      client.destroy();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
