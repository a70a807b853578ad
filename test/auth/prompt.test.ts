// The password prompt (hidden, typed twice) and the audit command's --since, without a database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { promptHidden, readNewPassword, type PromptInput } from '../../src/cli/users.js';
import { formatTable, parseSince } from '../../src/cli/audit.js';
import { UserError } from '../../src/errors.js';

/** A stand-in terminal: records raw mode, and types the given chunks once reading starts. */
class FakeTerminal extends EventEmitter implements PromptInput {
  isTTY = true;
  raw: boolean[] = [];
  private readonly pending: string[];
  constructor(chunks: string[]) {
    super();
    this.pending = [...chunks];
  }
  setRawMode(mode: boolean) {
    this.raw.push(mode);
  }
  resume() {
    const chunk = this.pending.shift();
    if (chunk !== undefined) setImmediate(() => this.emit('data', Buffer.from(chunk)));
  }
  pause() {}
}

function screen() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

test('the hidden prompt reads a line in raw mode, never echoes it, and handles backspace', async () => {
  const term = new FakeTerminal(['s3cretX\u007f!\r']);
  const { out, text } = screen();
  const line = await promptHidden('Password: ', term, out);
  assert.equal(line, 's3cret!');
  assert.deepEqual(term.raw, [true, false], 'raw mode on, then restored');
  assert.equal(text(), 'Password: \n', 'nothing typed appears on the screen');
});

test('Ctrl-C at the prompt cancels with a user error', async () => {
  const term = new FakeTerminal(['abc\u0003']);
  await assert.rejects(promptHidden('Password: ', term, screen().out), (err: unknown) => err instanceof UserError && /cancelled/.test(err.message));
  assert.deepEqual(term.raw, [true, false]);
});

test('a new password is asked twice on a terminal and must match', async () => {
  assert.equal(await readNewPassword({}, new FakeTerminal(['long password\r', 'long password\n']), screen().out), 'long password');
  await assert.rejects(
    readNewPassword({}, new FakeTerminal(['long password\r', 'long passw0rd\r']), screen().out),
    (err: unknown) => err instanceof UserError && /differ/.test(err.message),
  );
});

test('without a terminal and without --password-stdin the error says what to do', async () => {
  const term = new FakeTerminal([]);
  term.isTTY = false;
  await assert.rejects(readNewPassword({}, term, screen().out), (err: unknown) => err instanceof UserError && /--password-stdin/.test(err.message));
});

test('--password-stdin drops one trailing newline only, and refuses empty input', async () => {
  const term = new FakeTerminal([]);
  const from = (text: string) => readNewPassword({ passwordStdin: true }, term, screen().out, async () => text);
  assert.equal(await from('pw with spaces \n'), 'pw with spaces ');
  assert.equal(await from('crlf\r\n'), 'crlf');
  assert.equal(await from('two\n\n'), 'two\n');
  await assert.rejects(from('\n'), (err: unknown) => err instanceof UserError && /held no password/.test(err.message));
});

test('audit --since takes durations, dates and UTC times, and refuses impossible dates', () => {
  const now = Date.UTC(2026, 2, 10, 12, 0, 0);
  assert.equal(parseSince('24h', now), '2026-03-09 12:00:00.000');
  assert.equal(parseSince('7d', now), '2026-03-03 12:00:00.000');
  assert.equal(parseSince('90m', now), '2026-03-10 10:30:00.000');
  assert.equal(parseSince('2026-03-01', now), '2026-03-01 00:00:00.000');
  assert.equal(parseSince('2026-03-01T08:05', now), '2026-03-01 08:05:00.000');
  assert.equal(parseSince('2026-03-01T08:05:09+02:00', now), '2026-03-01 06:05:09.000');
  for (const bad of ['2026-02-30', '2026-13-01', '2026-03-01T25:00', 'yesterday', '5w', '']) {
    assert.throws(() => parseSince(bad, now), (err: unknown) => err instanceof UserError && /--since/.test(err.message), bad);
  }
});

test('tables align their columns', () => {
  assert.equal(formatTable(['A', 'BB', 'C'], [['xxx', 'y', 'last column'], ['', 'zzz', '']]), 'A    BB   C\nxxx  y    last column\n     zzz\n');
});
