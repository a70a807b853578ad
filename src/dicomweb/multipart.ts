// multipart/related bodies (RFC 2387) for WADO-RS, written as a stream: each part's header,
// then its bytes as the file store reads them, so memory stays flat whatever the study's
// size, and the first part leaves before the last file is opened.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export interface Part {
  contentType: string;
  /** Extra part headers (Content-Location). */
  headers?: Record<string, string>;
  /** The part's bytes: a buffer, or a stream opened only when the part's turn comes. */
  body: Buffer | (() => Readable | Promise<Readable>);
}

export function newBoundary(): string {
  return `nbia-${randomBytes(12).toString('hex')}`;
}

/** The response Content-Type of a multipart body whose parts are all `type`. */
export function multipartType(type: string, boundary: string): string {
  return `multipart/related; type="${type}"; boundary=${boundary}`;
}

const CRLF = Buffer.from('\r\n');

async function* partBytes(parts: AsyncIterable<Part> | Iterable<Part>, boundary: string): AsyncGenerator<Buffer> {
  for await (const part of parts) {
    const headers = [`Content-Type: ${part.contentType}`, ...Object.entries(part.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
    yield Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
    if (Buffer.isBuffer(part.body)) yield part.body;
    else for await (const chunk of await part.body()) yield chunk as Buffer;
    yield CRLF;
  }
  yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
}

/** The whole body as a stream that reads each part only as the client takes the bytes. */
export function multipartStream(parts: AsyncIterable<Part> | Iterable<Part>, boundary: string): Readable {
  return Readable.from(partBytes(parts, boundary), { objectMode: false });
}
