// `nbia carts` (to be written).
import type { Command } from 'commander';

export function registerCarts(_program: Command): void {}
