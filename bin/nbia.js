#!/usr/bin/env node
// The `nbia` command runs the compiled CLI (built by `npm install` through `prepare`):
// the bundle when it is there (it starts several times faster; see scripts/bundle.mjs),
// else tsc's output.
import { existsSync } from 'node:fs';
const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const main = existsSync(bundled) ? bundled : new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('nbia: the compiled CLI is missing (dist/). Run `npm install` or `npm run build` in the checkout first.');
  process.exit(2);
}
await import(main.href);
