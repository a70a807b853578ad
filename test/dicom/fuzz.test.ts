// Garbage in, DicomParseError out: cut, corrupted and random files must never hang the
// parser or make it throw anything else. The generator is seeded, so a failure reproduces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DicomParseError, parseDicomFile } from '../../src/dicom/parse.js';
import { FILES_DIR } from './dcmtk-reference.js';
import { EXPLICIT_LE, part10, UIDS } from './build-dicom.js';

const REASONS = new Set(['not_dicom', 'truncated', 'missing_uid', 'unsupported']);

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stats = { parsed: 0, refused: 0, slowestMs: 0 };

/** Parses, allowing success or a DicomParseError; anything else fails the test. */
function survive(bytes: Uint8Array, label: string): void {
  const started = performance.now();
  try {
    parseDicomFile(bytes);
    stats.parsed++;
  } catch (e) {
    if (!(e instanceof DicomParseError)) assert.fail(`${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(REASONS.has(e.reason), `${label}: reason ${e.reason}`);
    assert.ok(e.message.length > 0, `${label}: empty message`);
    stats.refused++;
  }
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - started);
}

const fixtures = fs
  .readdirSync(FILES_DIR)
  .filter((f) => f.endsWith('.dcm'))
  .sort()
  .map((f) => ({ name: f, bytes: fs.readFileSync(path.join(FILES_DIR, f)) }));

describe('parser on damaged input', { timeout: 60_000 }, () => {
  it('every fixture cut at many points', () => {
    const next = random(1);
    for (const { name, bytes } of fixtures) {
      const cuts = new Set<number>();
      for (let i = 0; i < Math.min(bytes.length, 2048); i += 5) cuts.add(i);
      for (let i = 0; i < 20; i++) cuts.add(Math.floor(next() * bytes.length));
      for (const cut of cuts) survive(bytes.subarray(0, cut), `${name} cut at ${cut}`);
    }
  });

  it('fixtures with random bytes overwritten in the header', () => {
    const next = random(2);
    for (const { name, bytes } of fixtures) {
      const region = Math.min(bytes.length, 4096);
      for (let round = 0; round < 60; round++) {
        const copy = Buffer.from(bytes);
        const flips = 1 + Math.floor(next() * 8);
        for (let i = 0; i < flips; i++) copy[Math.floor(next() * region)] = Math.floor(next() * 256);
        survive(copy, `${name} round ${round}`);
      }
    }
  });

  it('random bytes, bare or behind a valid preamble and meta header', () => {
    const next = random(3);
    const head = part10(UIDS, '1.2.840.10008.1.2.1', EXPLICIT_LE);
    const implicitHead = part10([], '1.2.840.10008.1.2', EXPLICIT_LE);
    for (let round = 0; round < 600; round++) {
      const body = Buffer.alloc(Math.floor(next() * 3000));
      for (let i = 0; i < body.length; i++) body[i] = Math.floor(next() * 256);
      const prefix = [Buffer.alloc(0), head, implicitHead][round % 3]!;
      survive(Buffer.concat([prefix, body]), `random round ${round}`);
    }
  });

  it('deeply nested undefined-length sequences', () => {
    const open = Buffer.from([0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    const head = part10([], '1.2.840.10008.1.2.1', EXPLICIT_LE);
    survive(Buffer.concat([head, ...Array<Buffer>(50_000).fill(open)]), 'nested 50000 deep');
  });

  it('never took long on one file, and exercised both outcomes', () => {
    assert.ok(stats.parsed > 100 && stats.refused > 1000, `parsed ${stats.parsed}, refused ${stats.refused}`);
    assert.ok(stats.slowestMs < 1000, `slowest parse took ${stats.slowestMs.toFixed(0)} ms`);
  });
});
