import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../chromium';
import { buildRunView } from '../../src/core/runView';
import type { HostMessage } from '../../src/protocol';
import { fixtureStore } from '../fixtures/runs';
import { startStandInHost } from './standInHost';

let browser: Browser;
let host: Awaited<ReturnType<typeof startStandInHost>>;
let page: Page;

const store = fixtureStore('/ws/sft-run', '/ws/<img src=x onerror=alert(1)>');
const views = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id.replace('/ws/', '')));

async function send(message: HostMessage): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  host = await startStandInHost();
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(host.url);
});

after(async () => {
  await browser?.close();
  await host?.close();
});

test('the webview says ready before anything is sent, and shows a waiting note', async () => {
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { posted: unknown[] }).posted), [{ type: 'ready' }]);
  assert.equal(await page.locator('#empty').isVisible(), true);
});

test('a snapshot draws both runs on both charts, the table and the warnings', async () => {
  await send({ type: 'snapshot', runs: views, problems: [{ path: '/ws/x/trainer_state.json', message: 'This trainer_state.json is a Git LFS pointer' }], defaultSmoothing: 0.6 });
  await page.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === '2');
  assert.equal(await page.getAttribute('#loss-chart', 'data-runs'), '2');
  assert.equal(await page.getAttribute('#accuracy-chart', 'data-points'), '18');
  assert.equal(await page.locator('#summary tbody tr').count(), 2);
  assert.match(await page.locator('#summary tbody tr', { hasText: 'sft-run' }).innerText(), /50\.9% ↑/);
  assert.match(await page.locator('#warnings').innerText(), /Eval loss is up \d+% since step 300, but token accuracy is up/);
  assert.match(await page.locator('#definitions').innerText(), /TRL's token accuracy/);
  assert.match(await page.locator('#problems').innerText(), /Git LFS pointer/);
  await page.screenshot({ path: join(ARTIFACTS, 'webview-panel.png'), fullPage: true });
});

test('text from logs is shown as text, never run as HTML', async () => {
  assert.equal(await page.locator('#summary img').count(), 0);
  assert.match(await page.locator('#summary').innerText(), /<img src=x onerror=alert\(1\)>/);
});

test('an update appends points live', async () => {
  const run = views.find((view) => view.id === '/ws/sft-run') ?? assert.fail();
  const accuracy = run.evalAccuracy ?? assert.fail();
  const grown = { ...run, evalAccuracy: { ...accuracy, steps: [...accuracy.steps, 1100], values: [...accuracy.values, 0.52] } };
  await send({ type: 'update', runs: [grown], removedRunIds: [], problems: [] });
  await page.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-points') === '19');
  assert.equal(await page.locator('#problems').isVisible(), false);
});

test('UI intent survives a reload; the data is asked for again', async () => {
  await page.locator('#smoothing').fill('0.9');
  await page.locator('vscode-checkbox[data-run-id="/ws/sft-run"]').click();
  await page.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === '1');
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
  await send({ type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6 });
  await page.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === '1');
  assert.equal(await page.inputValue('#smoothing'), '0.9');
});

test('the strict CSP is never violated', async () => {
  assert.deepEqual(await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []), []);
});

test('the light theme is followed: text takes the theme’s foreground colour', async () => {
  const light = await startStandInHost('light');
  const lightPage = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  try {
    await lightPage.goto(light.url);
    await lightPage.waitForFunction(() => (window as unknown as { posted: unknown[] }).posted.length > 0);
    await lightPage.evaluate((m) => window.postMessage(m, '*'), { type: 'snapshot', runs: views, problems: [], defaultSmoothing: 0.6 } satisfies HostMessage);
    await lightPage.waitForFunction(() => document.querySelector('#accuracy-chart')?.getAttribute('data-runs') === '2');
    assert.equal(await lightPage.evaluate(() => getComputedStyle(document.body).color), 'rgb(59, 59, 59)');
    await lightPage.screenshot({ path: join(ARTIFACTS, 'webview-panel-light.png'), fullPage: true });
  } finally {
    await lightPage.close();
    await light.close();
  }
});
