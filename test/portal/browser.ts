// Headless Chromium (Debian `chromium`) driven by playwright-core, on a fresh profile. Every
// console error and uncaught page error is collected so that a test can fail on it; the one
// exception is an image endpoint answering 404, which the portal shows as a placeholder
// (the browser logs that fetch itself, not the portal).
import fs from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../helpers/stores.js';

export const CHROMIUM = process.env.NBIA_TEST_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const IMAGE_ENDPOINT = /\/dicomweb\/studies\/[^/]+\/series\/[^/]+\/thumbnail|\/v1\/wado\?/;

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = tempDir('nbia-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    if (/status of 404/.test(msg.text()) && IMAGE_ENDPOINT.test(where)) return;
    errors.push(`${msg.text()} (${where})`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
