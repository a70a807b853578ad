// The terminal progress line: what it says, and that it is drawn only on a TTY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatProgress, terminalProgress } from '../../src/ingest/progress.js';
import type { IngestProgress } from '../../src/ingest/types.js';

const sample: IngestProgress = {
  filesTotal: 2000,
  bytesTotal: 2000 * 524288,
  filesDone: 500,
  bytesDone: 500 * 524288,
  added: 480,
  alreadyPresent: 10,
  skipped: 10,
  elapsedSeconds: 0.5,
  filesPerSecond: 1000,
  bytesPerSecond: 1000 * 524288,
  etaSeconds: 1.5,
};

test('the progress line shows files, bytes, rate, ETA and the counts', () => {
  assert.equal(
    formatProgress(sample),
    'ingest  25% 500/2000 files 250.0 MiB/1000.0 MiB 1000 files/s 500.0 MiB/s ETA 0:02 (added 480, present 10, skipped 10)',
  );
  assert.match(formatProgress({ ...sample, etaSeconds: null }), /ETA --:--/);
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(59.4), '0:59');
});

test('progress is drawn on a TTY only, as one line rewritten in place', () => {
  const writes: string[] = [];
  const fake = { isTTY: true, columns: 200, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
  const line = terminalProgress(fake);
  assert.ok(line);
  line.update(sample);
  line.update({ ...sample, filesDone: 501 }); // within 100 ms: not redrawn
  line.update({ ...sample, filesDone: 2000, bytesDone: sample.bytesTotal }); // the last one always is
  line.done();
  assert.equal(writes.length, 3);
  assert.ok(writes[0]!.startsWith('\r\x1b[2Kingest  25% 500/2000'));
  assert.ok(writes[1]!.startsWith('\r\x1b[2Kingest 100% 2000/2000'));
  assert.equal(writes[2], '\r\x1b[2K');
  const pipe = { isTTY: false, write: () => assert.fail('nothing is written to a pipe') } as unknown as NodeJS.WriteStream;
  assert.equal(terminalProgress(pipe), null);
});
