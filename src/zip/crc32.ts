// CRC-32 of the items a download streams, computed either on the calling thread or on a
// helper thread, and the one crc32() every part of the archive uses (ingest, downloads,
// renders, the download command). The main thread is the one writing to the socket, so
// moving the checksum to a helper thread lets the two overlap (measured with the SIMD
// crc32, 12 warm downloads of a 263 MB series: 195-200 ms each against 212-229 inline, for
// the same CPU). The helper reads chunks that
// live on SharedArrayBuffers in place (nothing is copied) and checksums each on its own;
// the item's CRC is then combined from the chunks' (crc32Combine), so chunks on ordinary
// buffers are simply checked inline and mixed in.
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { HelperThread } from '../helper-thread.js';

type Crc32Function = (data: Uint8Array, initial?: number) => number;

/** @node-rs/crc32 and where it loaded from (for the helper thread to load the same), if its binary loads here. */
const fast = loadFastCrc32();

/** Which implementation crc32() is: the fast one, or zlib's where that could not be loaded. */
export const CRC32_IMPLEMENTATION: '@node-rs/crc32' | 'zlib' = fast ? '@node-rs/crc32' : 'zlib';

/**
 * The CRC-32 of `data` (ZIP's and zlib's), continuing from `initial`; unsigned. From
 * @node-rs/crc32 (SIMD: 26 GB/s on data in cache, 7 GB/s on data that is not, against
 * zlib.crc32's 5.4 and 2.1 on the machine of the bench notes), or zlib's where its native
 * binary is not available for the platform.
 */
export const crc32: Crc32Function = fast
  ? (data, initial = 0) => fast.crc32(data, initial) >>> 0
  : (data, initial = 0) => zlib.crc32(data, initial) >>> 0;

function loadFastCrc32(): { crc32(input: Uint8Array, initialState?: number): number; path: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@node-rs/crc32');
    const module = require(path) as { crc32(input: Uint8Array, initialState?: number): number };
    return { crc32: module.crc32, path };
  } catch {
    return undefined;
  }
}

/** One item's running checksum. Chunks are added in order. */
export interface Crc32Job {
  /**
   * Adds the next chunk. Undefined when the chunk was taken in at once; otherwise a promise
   * that resolves once the engine no longer reads the chunk (until then it must not be reused).
   */
  update(chunk: Buffer): Promise<void> | undefined;
  /** The CRC-32 (unsigned) of all the chunks added; rejects if the engine failed. */
  digest(): Promise<number>;
}

export interface Crc32Engine {
  /** A job for an item of `size` bytes (small items may be checked inline). */
  begin(size: number): Crc32Job;
}

class InlineJob implements Crc32Job {
  private crc = 0;
  update(chunk: Buffer): undefined {
    this.crc = crc32(chunk, this.crc);
    return undefined;
  }
  digest(): Promise<number> {
    return Promise.resolve(this.crc >>> 0);
  }
}

/** A job for chunks whose CRC-32 whoever read them computed already: nothing is checked again. */
export function knownCrc32(crc: number): Crc32Job {
  const digest = Promise.resolve(crc >>> 0);
  return { update: () => undefined, digest: () => digest };
}

/** Checksums on the calling thread. */
export const INLINE_CRC32: Crc32Engine = { begin: () => new InlineJob() };

// ---------------------------------------------------------------------------------------
// Combining CRCs: the CRC-32 of A followed by B from crc(A), crc(B) and B's length, by
// arithmetic on polynomials over GF(2) modulo the CRC polynomial (reflected bit order, as
// zlib's crc32_combine since 1.2.12): crc(AB) = crc(A) * x^(8 |B|) + crc(B).

const POLY = 0xedb88320;

/** a * b modulo the CRC polynomial (bit 31 is x^0). */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X2N[k] = x^(2^k) modulo the polynomial. */
const X2N: number[] = [0x40000000]; // x^1
for (let k = 1; k < 32; k++) X2N.push(multModP(X2N[k - 1]!, X2N[k - 1]!));

/** x^(n * 2^k) modulo the polynomial, for any safe integer n. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k % 32]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and the length of B in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}

// ---------------------------------------------------------------------------------------
// The helper thread

/**
 * A statement for a thread's program (CommonJS, run with `eval`) that defines `crc32(data)`
 * as the same implementation as this thread's, loaded from the same file.
 */
export const crc32ThreadPrelude = (): string =>
  `const crc32 = ${fast ? `require(${JSON.stringify(fast.path)}).crc32` : `require('node:zlib').crc32`};`;

// Its whole program, run with `eval` so that it needs no loader and no file beside the
// compiled one. In: [id, sharedBuffer, offset, length]; out: [id, crc] once done with it.
const helperSource = () => `
const { parentPort } = require('node:worker_threads');
${crc32ThreadPrelude()}
parentPort.on('message', (m) => parentPort.postMessage([m[0], crc32(new Uint8Array(m[1], m[2], m[3])) >>> 0]));
`;

/** Items under this size are checked inline: for them a message costs more than the checksum. */
export const OFFLOAD_MIN_SIZE = 64 * 1024;

interface Part {
  readonly length: number;
  readonly crc: number | Promise<number>;
}

/**
 * Checksums on one helper thread shared by all downloads of the process (one thread does
 * 7 GB/s or more, more than a server sends). Chunks on SharedArrayBuffers go to the helper,
 * others are checked inline. If the thread dies, jobs in flight fail (with an error that is
 * not an integrity error: the file is not at fault) and later jobs run inline.
 */
export class WorkerCrc32 implements Crc32Engine {
  private readonly thread = new HelperThread<number>('the CRC-32 helper thread', helperSource, (message, thread) => {
    const [id, crc] = message as [number, number];
    thread.settle(id, { value: crc >>> 0 });
  });

  begin(size: number): Crc32Job {
    if (size < OFFLOAD_MIN_SIZE || this.thread.failed) return new InlineJob();
    const parts: Part[] = [];
    return {
      update: (chunk) => {
        const request = chunk.buffer instanceof SharedArrayBuffer ? this.thread.request() : undefined;
        if (!request) {
          parts.push({ length: chunk.length, crc: crc32(chunk) });
          return undefined;
        }
        const crc = request.answer;
        crc.catch(() => {}); // digest() reports a failure; the chunk is released either way
        this.thread.post([request.id, chunk.buffer, chunk.byteOffset, chunk.length]);
        parts.push({ length: chunk.length, crc });
        return crc.then(
          () => undefined,
          () => undefined,
        );
      },
      digest: async () => {
        let crc = 0;
        for (const part of parts) crc = crc32Combine(crc, await part.crc, part.length);
        return crc;
      },
    };
  }

  /** Stops the helper thread (tests; a server lets it go with the process). */
  close(): Promise<void> {
    return this.thread.close();
  }
}

let shared: WorkerCrc32 | undefined;

/** The process's helper-thread engine, started on first use. */
export function sharedCrc32Engine(): WorkerCrc32 {
  shared ??= new WorkerCrc32();
  return shared;
}
