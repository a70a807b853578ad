// Requests take turns with the event loop, so that new connections are accepted while the
// server is busy (issue 7, p99 under 64 connections).
//
// Since libuv 1.45 (Node 20) a listening socket accepts one connection per event-loop
// iteration. Node reads every readable socket in one poll phase and runs each request to
// its first real I/O before the loop turns, and a request answered from SQLite never waits
// on I/O. So with 64 busy keep-alive clients an iteration lasts 64 requests (about 35 ms),
// and a burst of new connections is let in one per 35 ms: the 64th client of a burst waited
// more than 2 s for its first answer while every other request took 35 ms. wrk's
// coordinated-omission correction turned those first answers into a p99 of 0.7–1.1 s.
//
// Here each request's handling starts in the check phase, a few at a time: after every
// turn of STARTS_PER_TURN starts the loop polls again (accepting one more connection and
// reading the sockets that became readable) before the next ones start. Requests still
// start in the order they arrived. Throughput is within a few per cent; the accept rate
// goes from one per 64 requests to one per turn.
import type { FastifyInstance } from 'fastify';

/** How many requests start between two polls of the event loop. */
const STARTS_PER_TURN = 2;

/** A first-in, first-out queue of starts, let through STARTS_PER_TURN per event-loop iteration. */
class RequestTurns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Runs `start` in a later check phase, after the starts queued before it. */
  enter(start: () => void): void {
    this.waiting.push(start);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private readonly turn = (): void => {
    // An immediate queued from inside the check phase runs in the next iteration, after
    // its poll phase: that is what lets the loop accept and read between turns.
    const starts = this.waiting.splice(0, STARTS_PER_TURN);
    if (this.waiting.length > 0) setImmediate(this.turn);
    else this.scheduled = false;
    for (const start of starts) start();
  };
}

/** Every request of `app` waits for its turn before its handling starts. */
export function takeTurns(app: FastifyInstance): void {
  const turns = new RequestTurns();
  app.addHook('onRequest', (_request, _reply, done) => turns.enter(done));
}
