// `nbia users` (to be written).
import type { Command } from 'commander';

export function registerUsers(_program: Command): void {}
