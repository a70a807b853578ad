// dcmtk's dcmj2pnm as the reference renderer: the same frame and window, its 8-bit
// PGM/PPM read back into pixels to compare with ours.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Window } from '../../src/render/display.js';

export interface Pnm {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** Parses a binary P5 (grey) or P6 (RGB) file with maxval 255. */
export function parsePnm(bytes: Buffer): Pnm {
  const fields: string[] = [];
  let p = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[p]!))) p++;
    if (bytes[p] === 0x23) {
      while (bytes[p] !== 0x0a) p++;
      continue;
    }
    let field = '';
    while (!/\s/.test(String.fromCharCode(bytes[p]!))) field += String.fromCharCode(bytes[p++]!);
    fields.push(field);
  }
  p++; // the single whitespace after maxval
  const [magic, width, height, maxval] = fields;
  if ((magic !== 'P5' && magic !== 'P6') || maxval !== '255') throw new Error(`unexpected PNM header ${fields.join(' ')}`);
  const channels = magic === 'P5' ? 1 : 3;
  return { width: Number(width), height: Number(height), channels, data: new Uint8Array(bytes.subarray(p, p + Number(width) * Number(height) * channels)) };
}

/**
 * dcmtk's rendering of one frame, with our window choice in dcmtk's terms: the request's
 * window, else the file's first, else min-max over the frame.
 */
export function dcmj2pnm(file: string, options: { frame?: number; window?: Window; fileHasWindow: boolean; jpegLs?: boolean }): Pnm {
  const dir = mkdtempSync(join(tmpdir(), 'dcmj2pnm-'));
  try {
    const out = join(dir, 'out.pnm');
    const args = ['+op', '+F', String(options.frame ?? 1)];
    if (options.window !== undefined) args.push('+Ww', String(options.window.center), String(options.window.width));
    else if (options.fileHasWindow) args.push('+Wi', '1');
    else args.push('+Wm');
    // dcmj2pnm has no JPEG-LS codec; dcml2pnm is the same program with CharLS.
    execFileSync(options.jpegLs ? 'dcml2pnm' : 'dcmj2pnm', [...args, file, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    return parsePnm(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest difference between two 8-bit images of the same shape, and how many samples differ. */
export function difference(a: { data: Uint8Array }, b: { data: Uint8Array }): { max: number; count: number } {
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { max, count };
}
