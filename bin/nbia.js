#!/usr/bin/env node
// The `nbia` command runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('nbia: the compiled CLI is missing (dist/). Run `npm install` or `npm run build` in the checkout first.');
  process.exit(2);
}
await import(main.href);
