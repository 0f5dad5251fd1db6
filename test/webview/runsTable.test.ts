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

// Five runs of a sweep: the learning rate differs (10 sorts after 9 only by value), the seed and optimiser do not.
const rates = [2e-5, 1e-4, 5e-6, 3e-5, 1e-5];
const store = new RunStore();
const names = rates.map((_, i) => `/ws/run-${i}`);
for (const [i, name] of names.entries())
  store.addPoints(name, { path: `${name}/trainer_state.json`, format: 'hf-trainer-state' }, i % 2 === 0 ? healthyRunPoints() : misleadingRunPoints());
const now = Date.now();
const views = store.runIds().map((id, i) =>
  buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, now, [], {
    learning_rate: rates[i] ?? 0,
    seed: 42,
    optim: 'adamw_torch',
    warmup: String(10 * (i + 1)),
  }),
);

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function rendered(): Promise<number> {
  return Number(await page.getAttribute('body', 'data-rendered'));
}

function rowOrder(): Promise<(string | null)[]> {
  return page.locator('#summary tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')));
}

/** The n-th live update: a run that wrote, its eval accuracy grown by a point. */
function liveUpdate(n: number): HostMessage {
  const run = views[n % views.length] ?? assert.fail();
  const accuracy = run.evalAccuracy ?? assert.fail();
  const step = (accuracy.steps.at(-1) ?? 0) + 100 * (n + 1);
  const grown: RunView = { ...run, evalAccuracy: { ...accuracy, steps: [...accuracy.steps, step], values: [...accuracy.values, 0.5] }, updatedAt: now + n };
  return { type: 'update', runs: [grown], removedRunIds: [], problems: [], now: Date.now() };
}

before(async () => {
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send({ type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now });
  await page.waitForSelector('#summary tbody tr');
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('the parameters that differ between the runs are columns; those all runs share are not', async () => {
  const heads = await page.locator('#summary thead th.param').allTextContents();
  assert.deepEqual(heads, ['learning_rate', 'warmup']);
  assert.equal(await page.locator('#summary tbody tr[data-run-id="/ws/run-1"] td.param').first().textContent(), '0.0001');
});

test('a header sorts numerically (Enter and click), and the sort holds through 20 live updates and a reload', async () => {
  const head = page.locator('#summary thead th[data-column="param:warmup"]');
  await head.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#summary thead th[data-column="param:warmup"][aria-sort="ascending"]');
  // Warmup is text ("10", "20", …, "50") sorted by value: the runs' own order.
  assert.deepEqual(await rowOrder(), names);
  await page.click('#summary thead th[data-column="param:learning_rate"]');
  await page.click('#summary thead th[data-column="param:learning_rate"]');
  await page.waitForSelector('#summary thead th[data-column="param:learning_rate"][aria-sort="descending"]');
  assert.equal(await page.locator('#summary thead th[data-column="param:warmup"]').getAttribute('aria-sort'), 'none');
  const descending = ['/ws/run-1', '/ws/run-3', '/ws/run-0', '/ws/run-4', '/ws/run-2'];
  assert.deepEqual(await rowOrder(), descending);
  for (let n = 0; n < 20; n++) {
    const before = await rendered();
    await send(liveUpdate(n));
    await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, before);
    assert.deepEqual(await rowOrder(), descending, `after live update ${n + 1}`);
  }
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send({ type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now });
  await page.waitForSelector('#summary thead th[data-column="param:learning_rate"][aria-sort="descending"]');
  assert.deepEqual(await rowOrder(), descending, 'after a reload');
});

test('the picker adds a parameter every run shares as a column, and removes a default one', async () => {
  await page.click('.param-picker summary');
  await page.check('.param-picker input[value="seed"]');
  await page.waitForSelector('#summary thead th[data-column="param:seed"]');
  await page.uncheck('.param-picker input[value="warmup"]');
  await page.waitForFunction(() => document.querySelector('#summary thead th[data-column="param:warmup"]') === null);
  assert.deepEqual(await page.locator('#summary thead th.param').allTextContents(), ['seed', 'learning_rate']);
  assert.equal(await page.locator('#summary tbody tr').first().locator('td.param').count(), 2);
});

test('the table scrolls sideways inside its own box instead of being cut off', async () => {
  await page.setViewportSize({ width: 700, height: 700 });
  const box = page.locator('.runs-table .table-box');
  const { scrollWidth, clientWidth, overflowX } = await box.evaluate((element) => ({
    scrollWidth: element.scrollWidth,
    clientWidth: element.clientWidth,
    overflowX: getComputedStyle(element).overflowX,
  }));
  assert.equal(overflowX, 'auto');
  assert.ok(scrollWidth > clientWidth, `the table (${scrollWidth} px) is wider than its box (${clientWidth} px) and scrolls`);
  const page_ = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(page_.scroll <= page_.client, 'the page itself does not scroll sideways');
});

test('a run renamed in the table is sent to the host, and the alias the host sends back names it in the table and run list', async () => {
  const row = page.locator('#summary tbody tr[data-run-id="/ws/run-2"]');
  await row.locator('button', { hasText: 'Rename' }).click();
  const input = row.locator('input.rename');
  await input.fill('  small lr ');
  await input.press('Enter');
  assert.equal(await input.count(), 0, 'the name is text again');
  const posted = await page.evaluate(() => (window as unknown as { posted: { type: string }[] }).posted.filter((message) => message.type === 'renameRun'));
  assert.deepEqual(posted, [{ type: 'renameRun', runId: '/ws/run-2', alias: '  small lr ' }]);
  assert.equal(await row.getAttribute('aria-selected'), 'false', 'renaming does not focus the run');
  await send({ type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now, aliases: { '/ws/run-2': 'small lr' } });
  await page.waitForFunction(() => document.querySelector('#summary tbody tr[data-run-id="/ws/run-2"] .run-name')?.textContent === 'small lr');
  assert.ok((await page.locator('#run-list').textContent())?.includes('small lr'));
  // A live update of the run keeps its alias.
  const before = await rendered();
  await send(liveUpdate(2));
  await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, before);
  assert.equal(await row.locator('.run-name').textContent(), 'small lr');
  await row.locator('button', { hasText: 'Rename' }).click();
  await row.locator('input.rename').press('Escape');
  assert.equal(await row.locator('input.rename').count(), 0);
  assert.equal(
    await page.evaluate(() => (window as unknown as { posted: { type: string }[] }).posted.filter((message) => message.type === 'renameRun').length),
    1,
    'Escape renames nothing',
  );
});
