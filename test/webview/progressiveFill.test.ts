import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage, RunView } from '../../src/protocol';
import { FIRST_DRAW_RUNS } from '../../webview/progressiveFill';
import { startStandInHost } from './standInHost';

/**
 * The panel with many runs (issue 13): the first frame draws the runs that matter first, the others follow in slices
 * while the page stays the user's, and the user's state (hidden runs, zoom) holds through the fill and through live
 * data arriving during it. The page's idle callbacks are held by the test, so that each slice comes when it says.
 */
const RUNS = 300;
const store = new RunStore();
const id = (i: number): string => `/r/run-${String(i).padStart(3, '0')}`;
for (let r = 0; r < RUNS; r++) {
  const points = [];
  for (let step = 1; step <= 200; step++) {
    points.push({ key: 'loss', step, value: 2 / Math.log(step + 2) + 0.001 * r });
    if (step % 20 === 0) points.push({ key: 'eval_loss', step, value: 1.5 - step / 1e3 }, { key: 'eval_accuracy', step, value: 0.4 + step / 2e3 });
  }
  store.addPoints(id(r), { path: `${id(r)}/trainer_log.jsonl`, format: 'jsonl' }, points);
}
const now = Date.now();
// Run r wrote r seconds ago: the first runs in the list are the most recent.
const view = (r: number): RunView => buildRunView(store.snapshot(id(r)) ?? assert.fail(), id(r).slice(3), {}, now - r * 1000);
const views = Array.from({ length: RUNS }, (_, r) => view(r));

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;

before(async () => {
  browser = await launchChromium();
  host = await startStandInHost();
});

after(async () => {
  await browser?.close();
  await host?.close();
});

/** A fresh panel whose idle callbacks (the fill's slices) wait for the test. */
async function heldPanel(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await page.evaluate(() => {
    const held: (() => void)[] = [];
    Object.assign(window, { held, requestIdleCallback: (callback: () => void) => held.push(callback) });
  });
  return page;
}

async function send(page: Page, message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** Runs the slice the page asked for; false when it asked for none. */
async function nextSlice(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const slice = (window as unknown as { held: (() => void)[] }).held.shift();
    slice?.();
    return slice !== undefined;
  });
}

async function attr(page: Page, selector: string, name: string): Promise<string | null> {
  return page.getAttribute(selector, name);
}

/** Lays out and paints the frames queued, so that a resize observer would have reported by then. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

test('with 300 runs the first frame draws the first 24 and says so; slices bring every other run beneath them, each line drawn once', async () => {
  const page = await heldPanel();
  const placed = async (chart: string): Promise<number> => Number((await attr(page, `#${chart}-chart`, 'data-placed')) ?? '0');
  const before = { loss: await placed('loss'), accuracy: await placed('accuracy') };
  await send(page, { type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now });
  await page.waitForSelector('#accuracy-chart[data-runs]');
  assert.equal(await attr(page, '#accuracy-chart', 'data-runs'), String(FIRST_DRAW_RUNS));
  assert.equal(await attr(page, 'body', 'data-filling'), `${FIRST_DRAW_RUNS}/${RUNS}`);
  assert.equal(await page.locator('#fill-note').innerText(), `Drawing ${FIRST_DRAW_RUNS} of ${RUNS} runs…`);
  assert.equal(await page.locator('#summary tbody tr').count(), FIRST_DRAW_RUNS, 'the table lists as many rows so far');
  assert.equal(await page.locator('#run-list li').count(), RUNS, 'the run list names every run from the start');
  const counts: number[] = [];
  while (await nextSlice(page)) counts.push(Number(await attr(page, '#accuracy-chart', 'data-runs')));
  assert.ok(counts.length >= 2, `more than one slice: ${counts.join(', ')}`);
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => a - b),
    'each slice adds runs',
  );
  assert.equal(counts.at(-1), RUNS);
  assert.equal(await attr(page, 'body', 'data-filling'), null);
  assert.equal(await page.locator('#fill-note').isVisible(), false);
  assert.equal(await page.locator('#summary tbody tr').count(), RUNS);
  // One eval accuracy line per run; eval loss, raw and smoothed train loss per run: none twice, none lost.
  assert.equal(await attr(page, '#accuracy-chart', 'data-lines'), String(RUNS));
  assert.equal(await attr(page, '#loss-chart', 'data-lines'), String(3 * RUNS));
  // The first runs are Chart.js's datasets, the others on the layer beneath: each dataset is placed once, a slice
  // leaving those placed before it where they are.
  const layered = Number(await attr(page, '#accuracy-chart', 'data-layered'));
  assert.equal(layered, RUNS - FIRST_DRAW_RUNS);
  await settled(page);
  assert.equal(await placed('accuracy'), before.accuracy + RUNS - layered);
  assert.equal(await placed('loss'), before.loss + 3 * RUNS - Number(await attr(page, '#loss-chart', 'data-layered')));
  await page.close();
});

test('a run hidden and a zoom during the fill, then live data, hold once every run is drawn', async () => {
  const page = await heldPanel();
  await send(page, { type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now });
  await page.waitForSelector('#accuracy-chart[data-runs]');
  // Hidden: one run drawn first (the most recent) and one still to come.
  for (const hidden of [id(0), id(150)]) await page.click(`#run-list input[data-run-id="${hidden}"]`);
  // The pointer leaves the run list: a run pointed at there would be drawn at once, in front of the others.
  await page.mouse.move(700, 5);
  await page.waitForFunction(() => document.querySelector('#run-count')?.textContent?.startsWith('298 shown'));
  const wholeYMax = Number(await attr(page, '#loss-chart', 'data-y-max'));
  await page.locator('#loss-chart').focus();
  await page.keyboard.press('+');
  await page.waitForFunction(() => document.querySelector('#loss-chart')?.getAttribute('data-x-max') !== '200');
  const zoomed = [await attr(page, '#loss-chart', 'data-x-min'), await attr(page, '#loss-chart', 'data-x-max')];
  // The value axis fits the steps shown, the runs on the layer and those still to come included: the first
  // steps' high train loss is out of the zoom, and so out of the axis.
  assert.ok(Number(await attr(page, '#loss-chart', 'data-y-max')) < wholeYMax, `y max ${await attr(page, '#loss-chart', 'data-y-max')} against ${wholeYMax}`);
  await nextSlice(page);
  // Live data mid-fill: a run drawn already writes, and a new run appears.
  store.addPoints(id(1), { path: `${id(1)}/trainer_log.jsonl`, format: 'jsonl' }, [{ key: 'eval_accuracy', step: 200, value: 0.9 }]);
  const fresh = '/r/run-new';
  store.addPoints(fresh, { path: `${fresh}/trainer_log.jsonl`, format: 'jsonl' }, [
    { key: 'eval_accuracy', step: 20, value: 0.5 },
    { key: 'eval_accuracy', step: 40, value: 0.6 },
  ]);
  const grown = [view(1), buildRunView(store.snapshot(fresh) ?? assert.fail(), 'run-new', {}, Date.now())];
  const rendered = Number(await attr(page, 'body', 'data-rendered'));
  await send(page, { type: 'update', runs: grown, removedRunIds: [], problems: [], now: Date.now() });
  await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, rendered);
  assert.notEqual(await attr(page, 'body', 'data-filling'), null, 'still filling');
  while (await nextSlice(page));
  assert.equal(await attr(page, 'body', 'data-filling'), null);
  assert.equal(await attr(page, '#accuracy-chart', 'data-runs'), String(RUNS + 1 - 2), 'every run but the two hidden, the new one with them');
  assert.equal(await attr(page, '#accuracy-chart', 'data-lines'), String(RUNS + 1 - 2));
  assert.deepEqual([await attr(page, '#loss-chart', 'data-x-min'), await attr(page, '#loss-chart', 'data-x-max')], zoomed);
  for (const hidden of [id(0), id(150)]) assert.equal(await page.isChecked(`#run-list input[data-run-id="${hidden}"]`), false);
  await page.close();
});

test('a few runs are drawn whole at once, and each chart is placed once when the extra chart appears beside it', async () => {
  const page = await heldPanel();
  await send(page, { type: 'snapshot', runs: views.slice(0, 12), problems: [], defaultSmoothing: 0.6, now });
  await page.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === '12');
  assert.equal(await attr(page, 'body', 'data-filling'), null);
  assert.equal(await page.locator('#fill-note').isVisible(), false);
  assert.equal(await nextSlice(page), false, 'no slice asked for');
  await settled(page);
  const updates = Number(await attr(page, '#loss-chart', 'data-updates'));
  const rendered = Number(await attr(page, 'body', 'data-rendered'));
  await page.selectOption('#extra-key', 'loss');
  await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, rendered);
  await settled(page);
  assert.equal(await page.locator('#extra-figure').isVisible(), true);
  assert.equal(Number(await attr(page, '#loss-chart', 'data-updates')), updates + 1, 'narrowed and drawn in one update, not again on the resize');
  await page.close();
});
