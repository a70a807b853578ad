// Deterministic identifiers and randomness for the demo: the same demo on every machine
// and every run, so its UIDs can appear in docs and tests and re-ingesting it is a no-op.
import { createHash } from 'node:crypto';

/**
 * A UID under the `2.25.` root (PS3.5 B.2): the decimal form of the first 128 bits of
 * SHA-256 over the parts. Stable, valid (no leading zero, at most 44 characters) and
 * practically unique.
 */
export function demoUid(...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(['nbia-demo', ...parts].join('/')).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** A seeded pseudo-random source (mulberry32): numbers in [0, 1) and helpers for picking. */
export class DemoRandom {
  private state: number;

  constructor(...seedParts: (string | number)[]) {
    this.state = createHash('sha256').update(seedParts.join('/')).digest().readUInt32LE(0);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Roughly normal noise (sum of uniforms), mean 0, standard deviation about `sd`. */
  noise(sd: number): number {
    return (this.next() + this.next() + this.next() - 1.5) * 2 * sd;
  }
}
