// The S3 client every command uses, configured from the usual AWS variables: endpoint
// (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), region (AWS_REGION, AWS_DEFAULT_REGION),
// credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the SDK's usual chain),
// retries (AWS_MAX_ATTEMPTS, default 3).
import { Agent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';

/** Sockets per client: each download opens up to 8 files ahead, and many run at once. */
const MAX_SOCKETS = 256;

export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS) || undefined;
  return new S3Client({
    region,
    ...(maxAttempts ? { maxAttempts } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}), // MinIO, Ceph RGW, s3rver: no bucket subdomains
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } } : {}),
    // Integrity is ours end to end (Content-MD5 on upload, size and CRC-32 on download);
    // the SDK's default extra checksums are not understood by every S3-compatible server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: 10_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    },
  });
}
