// `nbia collections` (to be written).
import type { Command } from 'commander';

export function registerCollections(_program: Command): void {}
