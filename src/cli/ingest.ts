// `nbia ingest` (to be written).
import type { Command } from 'commander';

export function registerIngest(_program: Command): void {}
