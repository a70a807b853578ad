// New clients are let in while the server is busy (issue 7). Node 20 accepts one connection
// per event-loop iteration, and an iteration used to last as long as every readable
// request took: with 32 busy keep-alive clients, the k-th of a burst of new connections
// waited k whole rounds of the busy clients before its first answer. Not a timing test:
// it counts how many answers the busy clients got while each newcomer waited. Fair service
// is a couple of rounds of everyone (busy and new); the old server needed about one round
// of the busy clients per newcomer ahead of it (about 32 × 32 answers for the last one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServeProcess } from '../helpers/serve-process.js';

const BUSY = 32;
const NEWCOMERS = 32;
const PATH = '/nbia-api/services/v1/getCollectionValues';

/** A keep-alive connection that sends GET PATH and calls back with each whole answer. */
class Client {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private onAnswer: ((status: number) => void) | null = null;

  constructor(port: number, onError: (err: Error) => void) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('error', onError);
    this.socket.on('close', () => {
      // An answer that will never come: report it instead of waiting forever.
      if (this.onAnswer) onError(new Error('the server closed a connection before answering'));
      this.onAnswer?.(0);
      this.onAnswer = null;
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffered.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(length)) return onError(new Error(`an answer without Content-Length: ${head}`));
      if (this.buffered.length < headEnd + 4 + length) return;
      this.buffered = this.buffered.subarray(headEnd + 4 + length);
      const status = Number(head.slice(9, 12));
      const done = this.onAnswer;
      this.onAnswer = null;
      done?.(status);
    });
  }

  ask(): Promise<number> {
    return new Promise((resolve) => {
      this.onAnswer = resolve;
      this.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

test('a burst of new connections is answered within a few rounds while 32 clients keep the server busy', async (t) => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-accept-'));
  const server = await startServeProcess(['--data', data]);
  t.after(async () => {
    await server.stop();
    fs.rmSync(data, { recursive: true, force: true });
  });

  let failure: Error | null = null;
  const fail = (err: Error) => (failure ??= err);
  let answered = 0;
  let running = true;
  const busy = Array.from({ length: BUSY }, () => new Client(server.port, fail));
  const loops = busy.map(async (client) => {
    while (running && !failure) {
      assert.equal(await client.ask(), 200);
      answered++;
    }
  });

  // Let the busy clients fill the server's queue before the burst arrives.
  while (answered < 20 * BUSY && !failure) await new Promise((r) => setTimeout(r, 5));
  const waits = await Promise.all(
    Array.from({ length: NEWCOMERS }, async () => {
      const client = new Client(server.port, fail);
      const before = answered;
      const status = await client.ask();
      client.close();
      assert.equal(status, 200);
      return answered - before;
    }),
  );
  running = false;
  await Promise.all(loops);
  for (const c of busy) c.close();

  assert.equal(failure, null, `a client failed: ${String(failure)}\n${server.stderr()}`);
  const longest = Math.max(...waits);
  const fairBound = 3 * (BUSY + NEWCOMERS);
  assert.ok(
    longest <= fairBound,
    `a newcomer waited while the busy clients got ${longest} answers (fair: at most ${fairBound}); waits in order: ${waits.join(' ')}`,
  );
});
