// The demo archive made on first start (to be written).
import type { Opened } from '../cli/common.js';

/** Generates and ingests the demo archive when the index holds no collection; returns whether it did. */
export async function ensureDemoArchive(_opened: Opened, _log: (line: string) => void): Promise<boolean> {
  return false;
}
