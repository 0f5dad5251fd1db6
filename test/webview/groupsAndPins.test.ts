import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../chromium';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage, RunView } from '../../src/protocol';
import { RunStore } from '../../src/core/runStore';
import { misleadingRunPoints } from '../fixtures/runs';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

// Two seeds of one learning rate (a group), and three runs alone: the pinned one is annotated besides the focused one.
const specs = [
  { id: '/ws/a-seed1', parameters: { learning_rate: 1e-4, seed: 1 } },
  { id: '/ws/a-seed2', parameters: { learning_rate: 1e-4, seed: 2 } },
  { id: '/ws/b-seed1', parameters: { learning_rate: 3e-4, seed: 1 } },
  { id: '/ws/c-seed1', parameters: { learning_rate: 1e-3, seed: 1 } },
  { id: '/ws/d-seed1', parameters: { learning_rate: 3e-3, seed: 1 } },
];
const store = new RunStore();
// The second seed a little better and stopping earlier, so that the band has a width and an end of its own.
for (const { id } of specs)
  store.addPoints(
    id,
    { path: `${id}/trainer_state.json`, format: 'hf-trainer-state' },
    id.endsWith('a-seed2')
      ? misleadingRunPoints()
          .filter((point) => point.step <= 800)
          .map((point) => ({ ...point, value: point.key.includes('accuracy') ? point.value + 0.02 : point.value * 0.9 }))
      : misleadingRunPoints(),
  );
const now = Date.now();
const views: RunView[] = specs.map(({ id, parameters }) => ({
  ...buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, now),
  parameters,
}));

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** The n-th live update: one run (grouped ones included) gains an eval point past its last. */
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
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send({ type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6, now });
  await page.waitForSelector('#summary tr[data-run-id="/ws/c-seed1"]');
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('a group band and a pinned run survive 20 live updates, and both are kept in the webview state', async () => {
  await page.selectOption('#group-over', 'seed');
  await page.waitForSelector('#accuracy-chart[data-bands="1"]');
  // The group is one line with its band; the two runs alone are lines of their own.
  assert.equal(await page.getAttribute('#accuracy-chart', 'data-runs'), '4');
  assert.match(await page.locator('#band-legend').innerText(), /Shaded bands: the min–max of a group's runs/);
  assert.match(
    await page.locator('#group-note').innerText(),
    /Grouped over seed: 1 group of 2 runs drawn as their mean with a shaded min–max band; 3 runs with no partner drawn alone/,
  );
  assert.match(await page.locator('#summary tr[data-run-id="/ws/a-seed2"] .group-tag').innerText(), /in group learning_rate=0.0001/);
  await page.click('#summary tr[data-run-id="/ws/b-seed1"]');
  await page.click('button[data-pin-run-id="/ws/c-seed1"]');
  await page.waitForFunction(() => /c-seed1 \(pinned\)/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
  const note = await page.locator('#annotated-runs').innerText();
  assert.match(note, /b-seed1 \(focused\), c-seed1 \(pinned\)/);
  for (let n = 0; n < 20; n++) {
    const before = Number(await page.getAttribute('body', 'data-rendered'));
    await send(liveUpdate(n));
    await page.waitForFunction((count) => Number(document.body.dataset['rendered']) > count, before);
  }
  assert.equal(await page.getAttribute('#accuracy-chart', 'data-bands'), '1', 'the band is still drawn');
  assert.equal(await page.locator('#band-legend').isVisible(), true, 'and its legend shown');
  assert.equal(await page.inputValue('#group-over'), 'seed', 'the grouping is still chosen');
  assert.equal(await page.getAttribute('button[data-pin-run-id="/ws/c-seed1"]', 'aria-pressed'), 'true', 'the pin holds');
  assert.equal(await page.locator('#annotated-runs').innerText(), note, 'the pinned run is still annotated and named');
  const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('state') ?? 'null') as { groupOver: unknown; pinnedRunIds: unknown });
  assert.equal(state.groupOver, 'seed');
  assert.deepEqual(state.pinnedRunIds, ['/ws/c-seed1']);
  // Unpinned, the run is no longer named; the focused one still is.
  await page.click('button[data-pin-run-id="/ws/c-seed1"]');
  await page.waitForFunction(() => !/pinned/.test(document.querySelector('#annotated-runs')?.textContent ?? ''));
});
