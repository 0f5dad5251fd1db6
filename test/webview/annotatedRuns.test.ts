import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage } from '../../src/protocol';
import { RunStore } from '../../src/core/runStore';
import { misleadingRunPoints } from '../fixtures/runs';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

// Seven runs, one past the number annotated at once: before, every annotation vanished without a word.
const names = Array.from({ length: 7 }, (_, i) => `/ws/run-${i + 1}`);
const store = new RunStore();
for (const name of names) store.addPoints(name, { path: `${name}/trainer_state.json`, format: 'hf-trainer-state' }, misleadingRunPoints());
const now = Date.now();
const views = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, now));

async function annotations(): Promise<number> {
  return Number(await page.getAttribute('#accuracy-chart', 'data-annotations'));
}

before(async () => {
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  const snapshot: HostMessage = { type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now };
  await page.evaluate((m) => window.postMessage(m, '*'), snapshot);
  await page.waitForSelector('#summary tr[data-run-id="/ws/run-7"]');
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('with seven runs the first six stay annotated and a note names them', async () => {
  assert.ok((await annotations()) > 0, 'annotations are still drawn');
  const note = page.locator('#annotated-runs');
  assert.equal(await note.isVisible(), true);
  assert.match(await note.innerText(), /first 6 of 7 runs \(run-1, run-2, run-3, run-4, run-5 and 1 more\); click a run's row/);
});

test('focusing the seventh run annotates it alone, and the note says so', async () => {
  const all = await annotations();
  await page.click('#summary tr[data-run-id="/ws/run-7"]');
  await page.waitForFunction(() => /run-7 \(focused\)/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
  const focused = await annotations();
  assert.ok(focused > 0 && focused < all, `only the focused run is annotated (${focused} of ${all})`);
  await page.click('#summary tr[data-run-id="/ws/run-7"]');
  await page.waitForFunction(() => /first 6 of 7/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
});

test('pointing at a run in the run list annotates it while the pointer stays', async () => {
  const all = await annotations();
  await page.hover('li:has(input[data-run-id="/ws/run-7"])');
  await page.waitForFunction(() => /run-7 \(pointed at\)/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
  const pointed = await annotations();
  assert.ok(pointed > 0 && pointed < all, `only the run pointed at is annotated (${pointed} of ${all})`);
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => /first 6 of 7/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
});
