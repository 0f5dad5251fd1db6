import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../chromium';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage, WebviewMessage } from '../../src/protocol';
import { fixtureStore, misleadingRunPoints } from '../fixtures/runs';
import { startStandInHost, THEME_VARIABLES } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

const store = fixtureStore('/ws/sft-run', '/ws/<img src=x onerror=alert(1)>');
// A third run that logs epochs and wall time, so the time axes have something to place.
store.addPoints(
  '/ws/timed-run',
  { path: '/ws/timed-run/metrics.jsonl', format: 'jsonl' },
  misleadingRunPoints().map((point) => ({
    ...point,
    value: point.key.includes('accuracy') ? point.value + 0.03 : point.value * 0.9,
    epoch: point.step / 500,
    wallTime: 1_760_000_000 + point.step * 6,
  })),
);
const now = Date.now();
const views = store
  .runIds()
  .map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, id === '/ws/timed-run' ? now : now - 3_600_000));
const snapshot: HostMessage = {
  type: 'snapshot',
  runs: views,
  problems: [{ path: '/ws/x/trainer_state.json', message: 'This trainer_state.json is a Git LFS pointer' }],
  defaultSmoothing: 0.6,
  now,
};

async function send(target: Page, message: HostMessage): Promise<void> {
  await target.evaluate((m) => window.postMessage(m, '*'), message);
}

async function posted(target: Page = page): Promise<WebviewMessage[]> {
  return target.evaluate(() => (window as unknown as { posted: WebviewMessage[] }).posted);
}

async function attr(selector: string, name: string): Promise<string | null> {
  return page.getAttribute(selector, name);
}

async function waitAttr(selector: string, name: string, value: string, target: Page = page): Promise<void> {
  await target.waitForFunction(([s, n, v]) => document.querySelector(s as string)?.getAttribute(n as string) === v, [selector, name, value]);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  await page.goto(host.url);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('the webview says ready before anything is sent, and teaches what it looks for', async () => {
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  assert.deepEqual(await posted(), [{ type: 'ready' }]);
  const empty = await page.locator('#empty').innerText();
  assert.match(empty, /trainer_state\.json/);
  assert.match(empty, /compute_metrics/);
  assert.match(empty, /tokenAccuracyLens\.logDirectories/);
  await page.screenshot({ path: join(ARTIFACTS, 'webview-empty.png'), fullPage: true });
});

test('a snapshot draws every run on both charts, the runs table and the warnings with evidence', async () => {
  await send(page, snapshot);
  await waitAttr('#accuracy-chart', 'data-runs', '3');
  assert.equal(await attr('#loss-chart', 'data-runs'), '3');
  assert.equal(await attr('#accuracy-chart', 'data-points'), String(10 + 8 + 10));
  assert.equal(await page.locator('#summary tbody tr').count(), 3);
  const sft = await page.locator('#summary tbody tr', { hasText: 'sft-run' }).innerText();
  assert.match(sft, /50\.9% ↑/);
  assert.match(sft, /300 vs 1000/, 'best step by loss against best step by accuracy');
  assert.match(sft, /idle/);
  assert.match(await page.locator('#summary tbody tr', { hasText: 'timed-run' }).innerText(), /live/);
  assert.match(await page.locator('#warnings').innerText(), /Eval loss is up \d+% from its minimum at step 300 \(.*\), but token accuracy is up/);
  assert.match((await page.locator('#warnings .evidence').first().textContent()) ?? '', /bestLossStep = 300/);
  assert.match(await page.locator('#problems').innerText(), /Git LFS pointer/);
  assert.equal(await page.locator('#empty').isVisible(), false);
});

test('text from logs is shown as text, never run as HTML', async () => {
  assert.equal(await page.locator('#summary img, #run-list img').count(), 0);
  assert.match(await page.locator('#summary').innerText(), /<img src=x onerror=alert\(1\)>/);
});

test('the filter takes a regular expression, falls back to plain text, and hides what does not match', async () => {
  await page.fill('#run-filter', '^(sft|timed)');
  await waitAttr('#accuracy-chart', 'data-runs', '2');
  assert.equal(await page.locator('#run-list li').count(), 2);
  await page.fill('#run-filter', 'alert(1');
  await waitAttr('#accuracy-chart', 'data-runs', '1');
  assert.equal(await page.locator('#run-filter.plain-text').count(), 1);
  await page.fill('#run-filter', '');
  await waitAttr('#accuracy-chart', 'data-runs', '3');
});

test('colours stay with their run when runs are hidden', async () => {
  const colorOf = (): Promise<string> =>
    page
      .locator('#run-list li', { hasText: 'timed-run' })
      .locator('.swatch')
      .evaluate((node) => (node as HTMLElement).style.backgroundColor);
  const before = await colorOf();
  await page.click('#run-list input[data-run-id="/ws/sft-run"]');
  await waitAttr('#accuracy-chart', 'data-runs', '2');
  assert.equal(await colorOf(), before);
  await page.click('#run-list input[data-run-id="/ws/sft-run"]');
  await waitAttr('#accuracy-chart', 'data-runs', '3');
});

test('smoothing draws a faint raw line behind each smoothed train line; eval curves stay raw; at zero only raw lines remain', async () => {
  assert.equal(await attr('#accuracy-chart', 'data-lines'), '3', 'eval accuracy: one raw line per run at any smoothing');
  const smoothed = Number(await attr('#loss-chart', 'data-lines'));
  await page.locator('#smoothing').fill('0');
  await waitAttr('#loss-chart', 'data-lines', String(smoothed - 3));
  assert.equal(await attr('#accuracy-chart', 'data-lines'), '3');
  await page.locator('#smoothing').fill('0.6');
  await waitAttr('#loss-chart', 'data-lines', String(smoothed));
});

test('zooming one chart zooms the other; reset zoom brings both back', async () => {
  const full = [await attr('#loss-chart', 'data-x-min'), await attr('#loss-chart', 'data-x-max')];
  const box = (await page.locator('#loss-chart').boundingBox()) ?? assert.fail();
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((min) => document.querySelector('#loss-chart')?.getAttribute('data-x-min') !== min, full[0]);
  const lossRange = [Number(await attr('#loss-chart', 'data-x-min')), Number(await attr('#loss-chart', 'data-x-max'))] as const;
  assert.ok(lossRange[0] > Number(full[0]) && lossRange[1] < Number(full[1]), `zoomed into ${lossRange.join('–')}`);
  assert.deepEqual([Number(await attr('#accuracy-chart', 'data-x-min')), Number(await attr('#accuracy-chart', 'data-x-max'))], [...lossRange]);
  assert.equal(await page.isEnabled('#reset-zoom'), true);
  await page.click('#reset-zoom');
  await waitAttr('#accuracy-chart', 'data-x-min', String(full[0]));
  await page.focus('#accuracy-chart');
  await page.keyboard.press('+');
  await page.waitForSelector('#reset-zoom:not([disabled])');
  await page.waitForFunction((max) => document.querySelector('#loss-chart')?.getAttribute('data-x-max') !== max, full[1]);
  assert.ok(Number(await attr('#loss-chart', 'data-x-max')) - Number(await attr('#loss-chart', 'data-x-min')) < (Number(full[1]) - Number(full[0])) * 0.6);
  await page.keyboard.press('0');
  await waitAttr('#loss-chart', 'data-x-min', String(full[0]));
});

test('the crosshair is synced: both charts list every drawn run’s value at the step under the pointer', async () => {
  const box = (await page.locator('#loss-chart').boundingBox()) ?? assert.fail();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
  await page.waitForSelector('#accuracy-tip:not([hidden])');
  // Past step 400 the healthy run has ended: the two runs that go on are listed, in both charts.
  const tip = await page.locator('#accuracy-tip').innerText();
  assert.equal(await page.locator('#accuracy-tip li').count(), 2);
  assert.match(tip, /step \d+/);
  assert.match(tip, /sft-run · eval_mean_token_accuracy\s+\d+\.\d{4}/);
  assert.doesNotMatch(tip, /img src/);
  assert.equal(await page.locator('#loss-tip li').count(), 4, 'eval and train loss of both runs');
  await page.screenshot({ path: join(ARTIFACTS, 'webview-crosshair.png') });
  await page.mouse.move(box.x - 40, box.y - 40);
  await page.waitForSelector('#accuracy-tip', { state: 'hidden' });
});

test('annotations mark the best-by-loss to best-by-accuracy stretch, warning starts and best checkpoints', async () => {
  // Three runs: within the limit, every run is annotated; two of them have a stretch, a warning and two bests.
  assert.ok(Number(await attr('#accuracy-chart', 'data-annotations')) >= 6);
  await send(page, { type: 'focusRun', runId: '/ws/timed-run' });
  await waitAttr('#summary tr[data-run-id="/ws/timed-run"]', 'aria-selected', 'true');
  const focused = Number(await attr('#accuracy-chart', 'data-annotations'));
  assert.ok(focused >= 2 && focused <= 4, `only the focused run is annotated (${focused})`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, 'webview-panel.png') });
  await page.click('#summary tr[data-run-id="/ws/timed-run"]');
  await waitAttr('#summary tr[data-run-id="/ws/timed-run"]', 'aria-selected', 'false');
});

test('x axis by epoch and by time: runs that log no times are named, not drawn', async () => {
  await page.selectOption('#x-axis', 'epoch');
  await waitAttr('#accuracy-chart', 'data-runs', '1');
  assert.match(await page.locator('#unplaced').innerText(), /2 runs log no epoch and are not drawn on this axis: <img src=x onerror=alert\(1\)>, sft-run\./);
  assert.equal(await attr('#accuracy-chart', 'data-x-max'), '2');
  await page.selectOption('#x-axis', 'relative');
  await waitAttr('#accuracy-chart', 'data-x-max', String(1000 * 6 - 25 * 6));
  await page.selectOption('#x-axis', 'step');
  await waitAttr('#accuracy-chart', 'data-runs', '3');
});

test('log scale per chart; another logged key can be charted, fetched from the host', async () => {
  await page.check('#loss-log');
  await page.waitForFunction(() => document.querySelector('#loss-chart')?.getAttribute('aria-label')?.includes('Loss'));
  await page.selectOption('#extra-key', 'loss');
  const request = await page.waitForFunction(() => (window as unknown as { posted: { type: string }[] }).posted.find((m) => m.type === 'requestSeries'));
  const message = (await request.jsonValue()) as Extract<WebviewMessage, { type: 'requestSeries' }>;
  assert.deepEqual(message.items.map((item) => item.runId).sort(), ['/ws/sft-run', '/ws/timed-run']);
  const series = message.items.map((item) => ({ ...item, data: views.find((view) => view.id === item.runId)?.trainLoss ?? null }));
  await send(page, { type: 'series', requestId: message.requestId, series });
  await waitAttr('#extra-chart', 'data-runs', '2');
  assert.equal(await page.locator('#extra-figure').isVisible(), true);
  await page.uncheck('#loss-log');
  await page.selectOption('#extra-key', '');
  await page.waitForSelector('#extra-figure', { state: 'hidden' });
});

test('export: a PNG of a chart and a CSV of the visible data go to the host to be saved', async () => {
  await page.click('#loss-png');
  await page.click('#export-csv');
  const exports = (await posted()).filter((m): m is Extract<WebviewMessage, { type: 'export' }> => m.type === 'export');
  const png = exports.find((m) => m.format === 'png') ?? assert.fail();
  assert.equal(png.fileName, 'loss.png');
  assert.ok(png.data.startsWith('data:image/png;base64,') && png.data.length > 5000);
  const csv = exports.find((m) => m.format === 'csv') ?? assert.fail();
  const lines = csv.data.trim().split('\n');
  assert.equal(lines[0], 'run,metric,step,value,smoothed');
  assert.equal(lines.filter((line) => line.startsWith('"sft-run","eval_mean_token_accuracy"')).length, 10);
  // Eval curves are drawn raw, so their smoothed column stays empty; train loss has both.
  assert.ok(lines.some((line) => /^"sft-run","eval_mean_token_accuracy",1000,50\.9\d*,$/.test(line)));
  assert.ok(lines.some((line) => /^"sft-run","loss",\d+,\d+\.\d+,\d+\.\d+$/.test(line)));
});

test('a checkpoint warning links to the code that picks by loss, and to the log at the step it begins', async () => {
  const warning = page.locator('#warnings li[data-kind="checkpoint-disagreement"][data-run-id="/ws/sft-run"]');
  await warning.getByRole('button', { name: /^Open the code that chooses checkpoints or stops training by the loss for sft-run/ }).click();
  await warning.getByRole('button', { name: 'Open /ws/sft-run/trainer_state.json at step 300' }).click();
  const sent = (await posted()).filter((m) => m.type === 'findLossTrustingCode' || m.type === 'openLog');
  assert.deepEqual(sent, [
    { type: 'findLossTrustingCode', runId: '/ws/sft-run' },
    { type: 'openLog', runId: '/ws/sft-run', path: '/ws/sft-run/trainer_state.json', step: 300 },
  ]);
});

test('an update appends points live', async () => {
  const run = views.find((view) => view.id === '/ws/sft-run') ?? assert.fail();
  const accuracy = run.evalAccuracy ?? assert.fail();
  const grown = { ...run, evalAccuracy: { ...accuracy, steps: [...accuracy.steps, 1100], values: [...accuracy.values, 0.52] } };
  await send(page, { type: 'update', runs: [grown], removedRunIds: [], problems: [], now: Date.now() });
  await waitAttr('#accuracy-chart', 'data-points', String(11 + 8 + 10));
  assert.equal(await page.locator('#problems').isVisible(), false);
});

test('UI intent survives a reload, the zoom window too; the data is asked for again', async () => {
  await page.locator('#smoothing').fill('0.9');
  await page.click('#run-list input[data-run-id="/ws/sft-run"]');
  await waitAttr('#accuracy-chart', 'data-runs', '2');
  await page.focus('#loss-chart');
  const whole = await attr('#loss-chart', 'data-x-min');
  await page.keyboard.press('+');
  await page.waitForSelector('#reset-zoom:not([disabled])');
  // The window's two ends are written as the chart redraws: on a loaded machine the button is enabled first.
  await page.waitForFunction((before) => document.querySelector('#loss-chart')?.getAttribute('data-x-min') !== before, whole);
  const zoomed = [await attr('#loss-chart', 'data-x-min'), await attr('#loss-chart', 'data-x-max')];
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send(page, snapshot);
  await waitAttr('#accuracy-chart', 'data-runs', '2');
  assert.equal(await page.inputValue('#smoothing'), '0.9');
  assert.deepEqual([await attr('#loss-chart', 'data-x-min'), await attr('#loss-chart', 'data-x-max')], zoomed);
  assert.deepEqual([await attr('#accuracy-chart', 'data-x-min'), await attr('#accuracy-chart', 'data-x-max')], zoomed);
  assert.equal(await page.isEnabled('#reset-zoom'), true);
  await page.click('#reset-zoom');
  await page.click('#run-list input[data-run-id="/ws/sft-run"]');
  await waitAttr('#accuracy-chart', 'data-runs', '3');
});

test('every control has an accessible name, and the runs table is reachable and usable by keyboard', async () => {
  const unnamed = await page.locator('button, input, select, [tabindex="0"]').evaluateAll((elements) =>
    elements
      .filter((element) => {
        const labels = (element as HTMLInputElement).labels;
        return !(element.getAttribute('aria-label') || (labels !== null && labels !== undefined && labels.length > 0) || element.textContent?.trim());
      })
      .map((element) => element.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  await page.focus('#summary tbody tr[data-run-id="/ws/sft-run"]');
  await page.keyboard.press('Enter');
  await waitAttr('#summary tr[data-run-id="/ws/sft-run"]', 'aria-selected', 'true');
  await page.keyboard.press('Space');
  await waitAttr('#summary tr[data-run-id="/ws/sft-run"]', 'aria-selected', 'false');
});

test('a theme change applies live: the charts repaint in the new theme’s colours', async () => {
  const corner = (): Promise<number[]> =>
    page.evaluate(() => [...((document.querySelector('#loss-chart') as HTMLCanvasElement).getContext('2d')?.getImageData(2, 2, 1, 1).data ?? [])].slice(0, 3));
  assert.deepEqual(await corner(), [0x1e, 0x1e, 0x1e]);
  // As VS Code does it: the variables on the body's style and a class, changed together (CSSOM, which the CSP allows).
  await page.evaluate((style) => {
    document.body.style.cssText = style;
    document.body.className = 'vscode-light';
  }, THEME_VARIABLES.light);
  await page.waitForFunction(() => (document.querySelector('#loss-chart') as HTMLCanvasElement).getContext('2d')?.getImageData(2, 2, 1, 1).data[0] === 255);
  assert.deepEqual(await corner(), [255, 255, 255]);
  await page.evaluate((style) => {
    document.body.style.cssText = style;
    document.body.className = 'vscode-high-contrast';
  }, THEME_VARIABLES['high-contrast']);
  await page.waitForFunction(() => (document.querySelector('#loss-chart') as HTMLCanvasElement).getContext('2d')?.getImageData(2, 2, 1, 1).data[0] === 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, 'webview-panel-high-contrast.png') });
  await page.evaluate(() => {
    document.body.style.cssText = '';
    document.body.className = 'vscode-dark';
  });
  await page.waitForFunction(() => (document.querySelector('#loss-chart') as HTMLCanvasElement).getContext('2d')?.getImageData(2, 2, 1, 1).data[0] === 0x1e);
});

test('the strict CSP is never violated', async () => {
  assert.deepEqual(await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []), []);
});

test('1,000 runs of sparse evaluations: no point markers, which would bury the lines and cost most of the drawing', async () => {
  const many = new RunStore();
  for (let r = 0; r < 1000; r++) {
    const points = [];
    for (let step = 100; step <= 2000; step += 100)
      points.push({ key: 'eval_loss', step, value: 1.5 - step / 1e4 + r / 1e5 }, { key: 'eval_accuracy', step, value: 0.4 + step / 1e4 });
    many.addPoints(`/many/run-${r}`, { path: `/many/run-${r}/metrics.jsonl`, format: 'jsonl' }, points);
  }
  const manyPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await manyPage.goto(host.url);
    await manyPage.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
    const message: HostMessage = {
      type: 'snapshot',
      runs: many.runIds().map((id) => buildRunView(many.snapshot(id) ?? assert.fail(), id.slice(6))),
      problems: [],
      defaultSmoothing: 0.6,
      now: Date.now(),
    };
    await manyPage.evaluate((m) => window.postMessage(m, '*'), message);
    await manyPage.waitForSelector('#accuracy-chart[data-runs="1000"]');
    assert.equal(await manyPage.getAttribute('#accuracy-chart', 'data-markers'), '0');
    assert.equal(await manyPage.getAttribute('#loss-chart', 'data-markers'), '0');
  } finally {
    await manyPage.close();
  }
});

test('50 runs of 100,000 points: drawn promptly after downsampling, with full detail asked for when zoomed', async () => {
  const big = new RunStore();
  for (let r = 0; r < 50; r++) {
    const points = [];
    for (let step = 1; step <= 100_000; step++) {
      points.push({ key: 'loss', step, value: 2 / Math.log(step + 2) + 0.01 * Math.sin(step + r) });
      if (step % 10 === 0)
        points.push(
          { key: 'eval_loss', step, value: 1.5 + 0.1 * Math.sin(step / 5000 + r) },
          { key: 'eval_mean_token_accuracy', step, value: 0.5 + step / 1e6 },
        );
    }
    big.addPoints(`/big/run-${String(r).padStart(2, '0')}`, { path: `/big/run-${r}/metrics.jsonl`, format: 'jsonl' }, points);
  }
  const bigViews = big.runIds().map((id) => buildRunView(big.snapshot(id) ?? assert.fail(), id.slice(5)));
  const bigPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await bigPage.goto(host.url);
    await bigPage.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
    const message: HostMessage = { type: 'snapshot', runs: bigViews, problems: [], defaultSmoothing: 0.6, now: Date.now() };
    const ms = await bigPage.evaluate(async (m) => {
      const before = document.body.dataset['rendered'];
      const start = performance.now();
      window.postMessage(m, '*');
      await new Promise<void>((done) => {
        const check = (): void => (document.body.dataset['rendered'] !== before ? done() : void requestAnimationFrame(check));
        check();
      });
      return performance.now() - start;
    }, message);
    console.log(`# 50 runs × 100,000 points (downsampled to ≤2,000 per series): first render ${ms.toFixed(0)} ms`);
    assert.equal(await bigPage.getAttribute('#loss-chart', 'data-runs'), '50');
    assert.ok(ms < 3000, `first render took ${ms} ms`);
    const grown = bigViews[7] ?? assert.fail();
    const loss = grown.trainLoss ?? assert.fail();
    const update: HostMessage = {
      type: 'update',
      runs: [{ ...grown, trainLoss: { ...loss, steps: [...loss.steps, 100_001], values: [...loss.values, 0.1] } }],
      removedRunIds: [],
      problems: [],
      now: Date.now(),
    };
    const updateMs = await bigPage.evaluate(async (m) => {
      await new Promise((done) => setTimeout(done, 1000));
      const before = document.body.dataset['rendered'];
      const start = performance.now();
      window.postMessage(m, '*');
      await new Promise<void>((done) => {
        const check = (): void => (document.body.dataset['rendered'] !== before ? done() : void requestAnimationFrame(check));
        check();
      });
      return performance.now() - start;
    }, update);
    console.log(`# one run of the 50 updated: drawn ${updateMs.toFixed(0)} ms after the message`);
    assert.ok(updateMs < 3000, `the update took ${updateMs} ms`);
    await bigPage.focus('#loss-chart');
    await bigPage.keyboard.press('+');
    const request = await bigPage.waitForFunction(
      () => (window as unknown as { posted: { type: string }[] }).posted.find((m) => m.type === 'requestSeries'),
      undefined,
      { timeout: 5000 },
    );
    const detail = (await request.jsonValue()) as Extract<WebviewMessage, { type: 'requestSeries' }>;
    assert.equal(detail.items.filter((item) => item.key === 'loss').length, 50, 'every downsampled train loss asks for its window');
    assert.ok(detail.items.every((item) => item.from !== null && item.to !== null && item.to - item.from < 60_000));
    await bigPage.screenshot({ path: join(ARTIFACTS, 'webview-50-runs.png') });
  } finally {
    await bigPage.close();
  }
});

async function themedPage(theme: 'light' | 'dark' | 'high-contrast', width: number): Promise<{ page: Page; close(): Promise<void> }> {
  const themedHost = await startStandInHost(theme);
  const themed = await browser.newPage({ viewport: { width, height: 900 } });
  await themed.goto(themedHost.url);
  await themed.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send(themed, snapshot);
  await waitAttr('#accuracy-chart', 'data-runs', '3', themed);
  return { page: themed, close: async () => (await themed.close(), await themedHost.close()) };
}

test('the light theme is followed: text takes the theme’s foreground colour', async () => {
  const light = await themedPage('light', 1280);
  try {
    assert.equal(await light.page.evaluate(() => getComputedStyle(document.body).color), 'rgb(59, 59, 59)');
    await light.page.screenshot({ path: join(ARTIFACTS, 'webview-panel-light.png'), fullPage: true });
  } finally {
    await light.close();
  }
});

/** Six runs (as many as are annotated) whose warnings and best checkpoints fall on the same steps: the worst case for labels. */
function crowdedSnapshot(): HostMessage {
  const crowded = fixtureStore('/ws/sft-run', '/ws/healthy-run');
  for (let k = 1; k <= 4; k++) {
    const points = misleadingRunPoints().map((point) => ({
      ...point,
      value: point.key.includes('accuracy') ? point.value + 0.004 * k : point.value * (1 - 0.01 * k),
    }));
    crowded.addPoints(`/ws/variant-${k}`, { path: `/ws/variant-${k}/metrics.jsonl`, format: 'jsonl' }, points);
  }
  const runs = crowded.runIds().map((id) => buildRunView(crowded.snapshot(id) ?? assert.fail(), id.replace('/ws/', ''), {}, now));
  return { type: 'snapshot', runs, problems: [], defaultSmoothing: 0.6, now };
}

interface LabelBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly text: string;
}

const overlap = (a: Omit<LabelBox, 'text'>, b: Omit<LabelBox, 'text'>): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * The labels a chart drew, and how many pixels inside each are text in the theme's foreground: grey (the
 * runs' swatches are coloured) and nearer the foreground than the background.
 */
async function drawnLabels(target: Page, chart: string): Promise<(LabelBox & { foregroundPixels: number })[]> {
  return target.evaluate((id) => {
    const canvas = document.getElementById(id) as HTMLCanvasElement;
    const labels = JSON.parse(canvas.dataset['labels'] ?? '[]') as LabelBox[];
    const rgb = (name: string): number[] => {
      const hex = getComputedStyle(document.body).getPropertyValue(name).trim();
      return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    };
    const fg = rgb('--vscode-foreground');
    const bg = rgb('--vscode-editor-background');
    const distance = (to: number[], r: number, g: number, b: number): number =>
      Math.abs(r - (to[0] ?? 0)) + Math.abs(g - (to[1] ?? 0)) + Math.abs(b - (to[2] ?? 0));
    const scale = canvas.width / canvas.clientWidth;
    const context = canvas.getContext('2d');
    return labels.map((label) => {
      const data =
        context?.getImageData(Math.round(label.x * scale), Math.round(label.y * scale), Math.round(label.width * scale), Math.round(label.height * scale))
          .data ?? [];
      let foregroundPixels = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
        if (Math.max(r, g, b) - Math.min(r, g, b) < 24 && distance(fg, r, g, b) < distance(bg, r, g, b)) foregroundPixels++;
      }
      return { ...label, foregroundPixels };
    });
  }, chart);
}

for (const theme of ['dark', 'light', 'high-contrast'] as const) {
  test(`chart labels of six runs never overlap each other or the crosshair tooltip, and read in the ${theme} theme`, async () => {
    const themed = await themedPage(theme, 1280);
    try {
      await send(themed.page, crowdedSnapshot());
      await waitAttr('#accuracy-chart', 'data-runs', '6', themed.page);
      await themed.page.evaluate(() => window.scrollTo(0, 0));
      await themed.page.screenshot({ path: join(ARTIFACTS, `webview-labels-${theme}.png`) });
      for (const chart of ['loss-chart', 'accuracy-chart']) {
        const labels = await drawnLabels(themed.page, chart);
        const texts = labels.map((label) => label.text).join(' | ');
        assert.ok(labels.some((label) => label.text.startsWith('⚠')) && labels.some((label) => label.text.startsWith('best:')), `${chart}: ${texts}`);
        assert.ok(
          labels.filter((label) => label.text.includes('best l') || label.text.includes('best a')).length >= 4,
          `${chart}: the best points of several runs are labelled (${texts})`,
        );
        labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => assert.ok(!overlap(a, b), `${chart}: "${a.text}" overlaps "${b.text}"`)));
        for (const label of labels) assert.ok(label.foregroundPixels >= 20, `${chart}: "${label.text}" is written in the theme's foreground`);
        const canvas = (await themed.page.locator(`#${chart}`).boundingBox()) ?? assert.fail();
        // The tooltip shows only with the pointer near a logged point: sweep the chart and check wherever it shows.
        const tip = themed.page.locator(`#${chart.replace('-chart', '-tip')}`);
        let shown = 0;
        for (let at = 0.1; at < 1; at += 0.02) {
          await themed.page.mouse.move(canvas.x + canvas.width * at, canvas.y + canvas.height * 0.6);
          const tipBox = await tip.boundingBox();
          if (tipBox === null) continue;
          shown++;
          const box = { x: tipBox.x - canvas.x, y: tipBox.y - canvas.y, width: tipBox.width, height: tipBox.height };
          for (const label of labels) assert.ok(!overlap(box, label), `${chart}: the tooltip with the pointer at ${at.toFixed(2)} covers "${label.text}"`);
        }
        assert.ok(shown >= 5, `${chart}: the tooltip showed at ${shown} places`);
      }
    } finally {
      await themed.close();
    }
  });
}

test('a narrow editor group stacks the run list above one chart per row', async () => {
  const narrow = await themedPage('dark', 480);
  try {
    const [runsBox, chartsBox] = await Promise.all([narrow.page.locator('.runs-pane').boundingBox(), narrow.page.locator('#accuracy-figure').boundingBox()]);
    assert.ok(runsBox !== null && chartsBox !== null && chartsBox.y > runsBox.y + runsBox.height - 1, 'charts below the run list');
    const loss = (await narrow.page.locator('#loss-figure').boundingBox()) ?? assert.fail();
    assert.ok(chartsBox.y >= loss.y + loss.height, 'one chart per row');
    await narrow.page.screenshot({ path: join(ARTIFACTS, 'webview-narrow.png'), fullPage: true });
  } finally {
    await narrow.close();
  }
});
