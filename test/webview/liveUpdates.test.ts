import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage, RunView } from '../../src/protocol';
import { RunStore } from '../../src/core/runStore';
import { healthyRunPoints, misleadingRunPoints } from '../fixtures/runs';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

// Twelve runs: enough warnings that the page scrolls to reach them.
const names = Array.from({ length: 12 }, (_, i) => `/ws/run-${String(i).padStart(2, '0')}`);
const store = new RunStore();
for (const [i, name] of names.entries())
  store.addPoints(name, { path: `${name}/trainer_state.json`, format: 'hf-trainer-state' }, i % 3 === 2 ? healthyRunPoints() : misleadingRunPoints());
const now = Date.now();
const views = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, now));
const problems = [{ path: '/ws/x/trainer_state.json', message: 'This trainer_state.json is a Git LFS pointer' }];

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function rendered(): Promise<number> {
  return Number(await page.getAttribute('body', 'data-rendered'));
}

/** The n-th live update as the host sends it: a run that wrote, with a new eval point and new warning objects. */
function liveUpdate(n: number): HostMessage {
  const run = views[n % views.length] ?? assert.fail();
  const accuracy = run.evalAccuracy ?? assert.fail();
  const step = (accuracy.steps.at(-1) ?? 0) + 100 * (n + 1);
  const grown: RunView = {
    ...run,
    evalAccuracy: { ...accuracy, steps: [...accuracy.steps, step], values: [...accuracy.values, 0.5] },
    warnings: run.warnings.map((warning) => ({ ...warning, evidence: { ...warning.evidence } })),
    updatedAt: now + n,
  };
  return { type: 'update', runs: [grown], removedRunIds: [], problems, now: Date.now() };
}

/** Sends 20 live updates, each drawn before the next is sent. */
async function twentyUpdates(): Promise<void> {
  for (let n = 0; n < 20; n++) {
    const before = await rendered();
    await send(liveUpdate(n));
    await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, before);
  }
}

before(async () => {
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send({ type: 'snapshot', runs: views, problems, defaultSmoothing: 0.6, now });
  await page.waitForSelector('#warnings li');
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('an open Evidence stays open, its text selected, and the warning stays where it was on screen, through 20 live updates', async () => {
  // Another run's card closed by the user stays closed; this run's card stays open around its Evidence.
  await page.locator('#warnings li.run-warnings[data-run-id="/ws/run-01"] > details > summary').click();
  const card = page.locator('#warnings li.warning[data-run-id="/ws/run-04"]').first();
  await card.scrollIntoViewIfNeeded();
  await card.locator('summary').click();
  assert.equal(await card.locator('details').getAttribute('open'), '');
  await card
    .locator('.evidence li')
    .first()
    .evaluate((item) => {
      const range = document.createRange();
      range.selectNodeContents(item);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
    });
  const selected = await page.evaluate(() => getSelection()?.toString());
  assert.ok(selected !== undefined && selected.length > 0);
  const top = (await card.boundingBox())?.y;
  const scroll = await page.evaluate(() => document.scrollingElement?.scrollTop);
  assert.ok(scroll !== undefined && scroll > 0, 'the page is scrolled to reach the warning');
  await twentyUpdates();
  assert.equal(await card.locator('details').getAttribute('open'), '', 'Evidence is still open');
  assert.equal(await page.locator('#warnings li.run-warnings[data-run-id="/ws/run-01"] > details').getAttribute('open'), null, 'the closed card stays closed');
  assert.equal(await page.locator('#warnings li.run-warnings[data-run-id="/ws/run-04"] > details').getAttribute('open'), '', 'its card stays open');
  assert.equal(await page.locator('#warnings .evidence-details[open]').count(), 1);
  assert.equal(await page.evaluate(() => getSelection()?.toString()), selected, 'the selection holds');
  assert.equal(await page.evaluate(() => document.scrollingElement?.scrollTop), scroll, 'the scroll position holds');
  assert.equal((await card.boundingBox())?.y, top, 'the warning has not moved on screen');
});

test('keyboard focus stays on a runs table row and on a run list checkbox through 20 live updates', async () => {
  const row = '#summary tbody tr[data-run-id="/ws/run-03"]';
  await page.focus(row);
  await twentyUpdates();
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['runId']), '/ws/run-03');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'TR');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${row}[aria-selected="true"]`);
  await page.focus('#run-list input[data-run-id="/ws/run-07"]');
  await twentyUpdates();
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['runId']), '/ws/run-07');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'INPUT');
});

test('rows, warnings and problems are the same elements after updates; a removed run takes its own away', async () => {
  const mark = () =>
    page.evaluate(() => {
      for (const element of document.querySelectorAll<HTMLElement>(
        '#summary tbody tr, #warnings li.run-warnings, #warnings li.warning, #problems li, #run-list li',
      ))
        element.dataset['mark'] = 'kept';
    });
  await mark();
  await twentyUpdates();
  assert.equal(await page.locator('#summary tbody tr:not([data-mark])').count(), 0);
  assert.equal(await page.locator('#warnings li.run-warnings:not([data-mark])').count(), 0);
  assert.equal(await page.locator('#warnings li.warning:not([data-mark])').count(), 0);
  assert.equal(await page.locator('#problems li:not([data-mark])').count(), 0);
  assert.equal(await page.locator('#run-list li:not([data-mark])').count(), 0);
  const rows = await page.locator('#summary tbody tr').count();
  await send({ type: 'update', runs: [], removedRunIds: ['/ws/run-00'], problems: [], now: Date.now() });
  await page.waitForFunction((count) => document.querySelectorAll('#summary tbody tr').length === count - 1, rows);
  assert.equal(await page.locator('#warnings li[data-run-id="/ws/run-00"]').count(), 0);
  assert.equal(await page.locator('#problems').isVisible(), false);
  assert.deepEqual(
    await page.locator('#summary tbody tr').evaluateAll((items) => items.map((item) => item.getAttribute('data-run-id'))),
    names.slice(1),
    'rows stay in run order',
  );
});
