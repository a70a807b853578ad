// The web portal end to end: a real `nbia serve` with the demo archive, headless Chromium,
// every action by its accessible name. The steps share one browser and run in order; any
// console error fails the run. Answers are checked against the API itself (as the guest),
// so the portal is held to what the server decides.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO } from '../cli/run.js';
import { openBrowser, type Browser } from './browser.js';
import { PASSWORD, RESTRICTED, USER, startPortalServer, type PortalServer } from './server.js';

let server: PortalServer;
let browser: Browser;
let page: Page;

async function guestToken(): Promise<string> {
  const res = await fetch(`${server.url}/nbia-api/oauth/token`, { method: 'POST', body: new URLSearchParams({ username: 'nbia_guest', password: '', grant_type: 'password', client_id: 'NBIA' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Patients the simple search finds for these criteria, as the guest. */
async function apiPatients(criteria: Array<[string, string]>): Promise<number> {
  const form = new URLSearchParams();
  criteria.forEach(([type, value], i) => (form.set(`criteriaType${i}`, type), form.set(`value${i}`, value)));
  const res = await fetch(`${server.url}/nbia-api/services/getSimpleSearchWithModalityAndBodyPartPaged`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${await guestToken()}` } });
  return ((await res.json()) as { totalPatients: number }).totalPatients;
}

/** The series rows the guest sees through v2 getSeries (a listing the portal does not use), for these filters. */
async function apiSeriesRows(filters: Record<string, string>): Promise<Array<{ ImageCount: number; StudyInstanceUID: string }>> {
  const res = await fetch(`${server.url}/nbia-api/services/v2/getSeries?${new URLSearchParams(filters)}`, { headers: { Authorization: `Bearer ${await guestToken()}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Array<{ ImageCount: number; StudyInstanceUID: string }>;
}

async function apiSeries(filters: Record<string, string>): Promise<number> {
  return (await apiSeriesRows(filters)).length;
}

const results = () => page.getByRole('table', { name: 'Series found' });
const facet = (group: string) => page.getByRole('group', { name: group, exact: true });
const cartLink = () => page.getByRole('link', { name: /^Cart \(\d+\)$/ });

async function cartCount(): Promise<number> {
  return Number(/\((\d+)\)/.exec((await cartLink().textContent()) ?? '')?.[1]);
}

async function resultsSettled(): Promise<void> {
  await page.locator('section.results[aria-busy="false"]').waitFor();
}

function assertNoConsoleErrors(): void {
  assert.deepEqual(browser.errors, [], 'no console errors');
}

const shots = process.env.NBIA_PORTAL_SCREENSHOTS === '1';

/** The README's screenshots, at a small size so the PNGs stay small. */
async function screenshot(file: string): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 960, height: 600 });
  await page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[aria-label$=": loading"]'));
  await page.screenshot({ path: path.join(REPO, file) });
  if (size) await page.setViewportSize(size);
}

describe('web portal in headless Chromium', { timeout: 300_000 }, () => {
  before(async () => {
    server = await startPortalServer();
    browser = await openBrowser();
    page = browser.page;
    page.setDefaultTimeout(20_000);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the server serves the portal at / with a strict CSP, and the API still under /nbia-api', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');
    const api = await fetch(`${server.url}/nbia-api/services/v4/getCollectionValues`);
    assert.equal(api.status, 200);
    const missing = await fetch(`${server.url}/no-such-file.js`);
    assert.equal(missing.status, 404);
  });

  test('the guest sees public collections with counts, series in a table', async () => {
    await page.goto(`${server.url}/`);
    await resultsSettled();
    const collections = facet('Collection');
    for (const name of ['DEMO-CT-LUNG', 'DEMO-MR-BRAIN', 'DEMO-PET-CT']) {
      await collections.getByRole('checkbox', { name, exact: true }).waitFor();
    }
    assert.equal(await collections.getByRole('checkbox', { name: RESTRICTED }).count(), 0, 'restricted collection hidden from the guest');
    for (const group of ['Modality', 'Body part', 'Manufacturer', 'Species']) {
      assert.ok((await facet(group).getByRole('checkbox').count()) > 0, `${group} has values`);
    }
    const rows = results().locator('tbody tr');
    assert.equal(await rows.count(), 20, 'a full first page');
    // Thumbnails through the bearer: at least one real image among the rows.
    await results().locator('img.thumb').first().waitFor();
    assert.match((await page.getByText(/series of \d+ patients/).textContent()) ?? '', /^\d+ series of 32 patients$/);
    assertNoConsoleErrors();
  });

  test('facet counts follow the other choices, and the choices live in the URL', async () => {
    const lung = facet('Collection').getByRole('checkbox', { name: 'DEMO-CT-LUNG', exact: true });
    const lungCount = async () => Number(await page.locator(`#${await lung.getAttribute('aria-describedby')}`).textContent());
    assert.equal(await lungCount(), await apiSeries({ Collection: 'DEMO-CT-LUNG' }));

    await facet('Modality').getByRole('checkbox', { name: 'SEG', exact: true }).check();
    await page.waitForURL(/modality=SEG/);
    await resultsSettled();
    assert.equal(await lungCount(), await apiSeries({ Collection: 'DEMO-CT-LUNG', Modality: 'SEG' }));
    // Modality's own counts ignore the modality choice: other modalities stay offered.
    assert.ok(await facet('Modality').getByRole('checkbox', { name: 'CT', exact: true }).isVisible());
    for (const cell of await results().locator('tbody tr td:nth-child(5)').allTextContents()) assert.equal(cell, 'SEG');

    // Keyboard: Space on a focused checkbox ticks it.
    await facet('Modality').getByRole('checkbox', { name: 'CT', exact: true }).focus();
    await page.keyboard.press('Space');
    await page.waitForURL(/modality=SEG&modality=CT|modality=CT&modality=SEG/);
    await resultsSettled();
    const modalities = new Set(await results().locator('tbody tr td:nth-child(5)').allTextContents());
    assert.deepEqual([...modalities].sort(), ['CT', 'SEG']);

    // Back undoes the last choice, from the URL alone.
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('modality=CT'));
    await resultsSettled();
    assert.equal(await facet('Modality').getByRole('checkbox', { name: 'CT', exact: true }).isChecked(), false);
    assert.equal(await facet('Modality').getByRole('checkbox', { name: 'SEG', exact: true }).isChecked(), true);
    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await resultsSettled();
    assertNoConsoleErrors();
  });

  test('free text, study dates, sorting and paging', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('flair');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.waitForURL(/q=flair/);
    await resultsSettled();
    const names = await results().locator('tbody tr td:nth-child(6)').allTextContents();
    assert.ok(names.length > 0);
    for (const n of names) assert.match(n, /flair/i);
    await page.getByRole('searchbox', { name: 'Search' }).fill('LUNG-003');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.waitForURL(/q=LUNG-003/);
    await resultsSettled();
    const patients = new Set(await results().locator('tbody tr td:nth-child(3)').allTextContents());
    assert.deepEqual([...patients], ['LUNG-003'], 'free text finds a patient ID');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.waitForURL((u) => !u.search.includes('q='));
    await resultsSettled();

    await page.getByLabel('From').fill('2015-01-01');
    await page.getByLabel('From').dispatchEvent('change');
    await page.waitForURL(/from=2015-01-01/);
    await resultsSettled();
    const dates = await results().locator('tbody tr td:nth-child(4)').allTextContents();
    assert.ok(dates.length > 0);
    for (const d of dates) assert.ok(d >= '2015-01-01', `${d} is on or after the from date`);
    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await resultsSettled();

    const images = () => results().getByRole('columnheader', { name: /Images/ });
    await images().getByRole('button').click();
    await page.waitForURL(/sort=images/);
    assert.equal(await images().getAttribute('aria-sort'), 'ascending');
    await images().getByRole('button').click();
    await page.waitForURL(/order=desc/);
    await resultsSettled();
    assert.equal(await images().getAttribute('aria-sort'), 'descending');
    const counts = (await results().locator('tbody tr td:nth-child(7)').allTextContents()).map(Number);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'most images first');

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL(/page=2/);
    await page.getByText(/^Page 2 of \d+$/).waitFor();
    await resultsSettled();
    const second = (await results().locator('tbody tr td:nth-child(7)').allTextContents()).map(Number);
    assert.ok(Math.max(...second) <= Math.min(...counts), 'page 2 continues the order');
    await page.goBack();
    await page.getByText(/^Page 1 of \d+$/).waitFor();
    assertNoConsoleErrors();
  });

  test('a series page: metadata, images one by one with keys, CT window, licence', async () => {
    await page.goto(`${server.url}/?collection=DEMO-CT-LUNG&modality=CT`);
    await resultsSettled();
    if (shots) await screenshot('docs/portal-search.png');
    const first = results().locator('tbody tr').first();
    const seriesName = (await first.locator('td:nth-child(6)').textContent()) ?? '';
    const imageCount = Number(await first.locator('td:nth-child(7)').textContent());
    await first.getByRole('link', { name: seriesName }).click();
    await page.getByRole('heading', { level: 1, name: seriesName }).waitFor();
    await page.getByText(`1 / ${imageCount}`).waitFor();
    await page.getByRole('img', { name: new RegExp(`^Image 1 of ${imageCount}`) }).waitFor();
    await page.getByRole('group', { name: /Image viewer/ }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.getByText(`3 / ${imageCount}`).waitFor();
    await page.getByRole('img', { name: new RegExp(`^Image 3 of ${imageCount}`) }).waitFor();
    await page.keyboard.press('End');
    await page.getByText(`${imageCount} / ${imageCount}`).waitFor();
    await page.getByRole('slider', { name: 'Image' }).fill('2');
    await page.getByText(`2 / ${imageCount}`).waitFor();
    // The rendered image itself (WADO-URI through the bearer), not the placeholder.
    const frame = page.locator('img.frame');
    await frame.waitFor();
    assert.equal(await frame.getAttribute('alt'), `Image 2 of ${imageCount}`);
    const firstSrc = await frame.getAttribute('src');
    assert.match(firstSrc ?? '', /^blob:/);
    await page.getByRole('combobox', { name: 'Window' }).selectOption({ label: 'Lung (-600/1500)' });
    await page.waitForFunction((before) => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { src: string; naturalWidth: number } | null } }).document.querySelector('img.frame');
      return img !== null && img.src !== before && img.naturalWidth > 0;
    }, firstSrc);
    await page.getByRole('link', { name: 'CC BY 4.0' }).waitFor();
    await page.getByText('Manufacturer', { exact: true }).waitFor();
    if (shots) await screenshot('docs/portal-series.png');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    assert.equal(await cartCount(), 1);
    assertNoConsoleErrors();
  });

  test('a collection page: description, licence, counts and DOI', async () => {
    await page.getByRole('link', { name: 'DEMO-CT-LUNG', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'DEMO-CT-LUNG' }).waitFor();
    await page.getByText(/Synthetic chest CT of 12 subjects/).waitFor();
    const value = async (term: string) => page.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]').textContent();
    assert.equal(Number(await value('Patients')), await apiPatients([['CollectionCriteria', 'DEMO-CT-LUNG']]));
    const rows = await apiSeriesRows({ Collection: 'DEMO-CT-LUNG' });
    assert.equal(Number(await value('Series')), rows.length);
    assert.equal(Number(await value('Studies')), new Set(rows.map((r) => r.StudyInstanceUID)).size);
    assert.equal(Number(await value('Images')), rows.reduce((n, r) => n + Number(r.ImageCount), 0));
    assert.equal(await value('Licence'), 'CC BY 4.0');
    assert.ok((await value('DOI')) !== null);
    assertNoConsoleErrors();
  });

  test('cart: add a page and all results, edit, manifest, ZIP, share and open by name', async () => {
    await page.goto(`${server.url}/?collection=DEMO-MR-BRAIN`);
    await resultsSettled();
    const total = Number(/^(\d+) series/.exec((await page.getByText(/series of \d+ patients/).textContent()) ?? '')?.[1]);
    await page.getByRole('button', { name: 'Add page to cart' }).click();
    assert.equal(await cartCount(), 1 + 20);
    await page.getByRole('button', { name: 'Add all results to cart' }).click();
    // The UIDs of every result come from the server, so the count changes once they are in.
    await page.getByRole('link', { name: `Cart (${1 + total})` }).waitFor();
    assert.equal(await cartCount(), 1 + total);
    await results().getByRole('button', { name: 'Remove from cart' }).first().click();
    assert.equal(await cartCount(), total);

    await cartLink().click();
    await page.getByRole('heading', { level: 1, name: 'Cart' }).waitFor();
    const cartTable = page.getByRole('table', { name: 'Series in the cart' });
    await cartTable.locator('tbody tr').first().waitFor();
    assert.equal(await cartTable.locator('tbody tr').count(), total);
    await cartTable.getByRole('button', { name: 'Remove from cart' }).last().click();
    assert.equal(await cartCount(), total - 1);
    assert.equal(await cartTable.locator('tbody tr').count(), total - 1);
    const inCart: string[] = JSON.parse(String(await page.evaluate("localStorage.getItem('nbia-portal-cart') ?? '[]'")));

    const [manifest] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download manifest' }).click()]);
    assert.match(manifest.suggestedFilename(), /\.tcia$/);
    const lines = fs.readFileSync((await manifest.path())!, 'utf8').trim().split('\n');
    assert.match(lines[0]!, /^downloadServerUrl=/);
    assert.equal(lines[5], 'ListOfSeriesToDownload=');
    assert.deepEqual(lines.slice(6).sort(), [...inCart].sort(), 'the manifest lists exactly the cart');

    const [zip] = await Promise.all([page.waitForEvent('download'), cartTable.getByRole('button', { name: 'Download ZIP' }).first().click()]);
    const bytes = fs.readFileSync((await zip.path())!);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a ZIP');
    assert.match(zip.suggestedFilename(), /^[\d.]+\.zip$/);

    await page.getByRole('textbox', { name: 'Cart name' }).fill('portal-shared');
    await page.getByRole('button', { name: 'Share cart' }).click();
    await page.getByRole('link', { name: /\?cart=portal-shared$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Shared cart portal-shared' }).waitFor();
    const shared = page.getByRole('table', { name: 'Series in portal-shared' });
    await shared.locator('tbody tr').first().waitFor();
    assert.equal(await shared.locator('tbody tr').count(), inCart.length);
    // Read back through the API too.
    const res = await fetch(`${server.url}/nbia-api/services/v1/getContentsByName?name=portal-shared`);
    assert.equal(((await res.json()) as unknown[]).length, inCart.length);
    assertNoConsoleErrors();
  });

  test('log in: the restricted collection appears; log out: it is gone', async () => {
    await page.goto(`${server.url}/`);
    await resultsSettled();
    await page.getByLabel('Username').fill(USER);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('status').getByText(/Login failed/).waitFor();
    // The browser itself logs the refused token request; that one line is expected here.
    assert.equal(browser.errors.length, 1);
    assert.match(browser.errors[0]!, /status of 401 .*\/nbia-api\/oauth\/token/);
    browser.errors.length = 0;

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    await resultsSettled();
    const restricted = facet('Collection').getByRole('checkbox', { name: RESTRICTED, exact: true });
    await restricted.waitFor();
    await restricted.check();
    await page.waitForURL(/collection=DEMO-RESTRICTED/);
    await resultsSettled();
    assert.ok((await results().locator('tbody tr').count()) > 0, 'restricted series listed for the granted user');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await resultsSettled();
    assert.equal(await facet('Collection').getByRole('checkbox', { name: RESTRICTED }).count(), 0 + 1, 'a ticked value stays to be unticked');
    assert.equal(await results().locator('tbody tr').count(), 0, 'but it finds nothing for the guest');
    await page.goto(`${server.url}/`);
    await resultsSettled();
    assert.equal(await facet('Collection').getByRole('checkbox', { name: RESTRICTED }).count(), 0);
    assertNoConsoleErrors();
  });

  test('phone-size screen: no sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/`);
    await resultsSettled();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    assert.ok(await page.getByRole('searchbox', { name: 'Search' }).isVisible());
    assertNoConsoleErrors();
  });
});
