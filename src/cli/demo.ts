// `nbia demo` (to be written).
import type { Command } from 'commander';

export function registerDemo(_program: Command): void {}
