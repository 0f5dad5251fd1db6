import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../chromium';
import { healthyRunPoints, jsonlText, logHistory, misleadingRunPoints } from '../fixtures/runs';
import { panelFrame, runCommand, statusItem, Workbench } from './workbench';

const workbench = new Workbench();
let page: Page;
let workspace: string;
let jsonlPath: string;

/** A workspace with one finished Hugging Face run and one JSONL run that the test keeps appending to. */
function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-e2e-'));
  const history = logHistory(misleadingRunPoints());
  mkdirSync(join(dir, 'outputs', 'sft-run', 'checkpoint-500'), { recursive: true });
  writeFileSync(join(dir, 'outputs', 'sft-run', 'trainer_state.json'), JSON.stringify({ global_step: 1000, log_history: history }, null, 2));
  writeFileSync(
    join(dir, 'outputs', 'sft-run', 'checkpoint-500', 'trainer_state.json'),
    JSON.stringify({ global_step: 500, log_history: history.filter((e) => (e['step'] as number) <= 500) }, null, 2),
  );
  mkdirSync(join(dir, 'live-run'));
  writeFileSync(join(dir, 'live-run', 'metrics.jsonl'), jsonlText(healthyRunPoints()));
  return dir;
}

before(async () => {
  workspace = makeWorkspace();
  jsonlPath = join(workspace, 'live-run', 'metrics.jsonl');
  page = await workbench.open(workspace);
});

after(async () => {
  await workbench.close('e2e-last.png');
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

/** Picks the status bar's run with the "Choose Status Bar Run" quick pick, and waits for the bar to name it. */
async function chooseStatusRun(name: string): Promise<void> {
  await runCommand(page, 'Token Accuracy Lens: Choose Status Bar Run');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Status Bar Run' }).waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-widget input.input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await statusItem(page)
    .filter({ hasText: `${name} · Token acc` })
    .waitFor({ timeout: 10_000 });
}

test('the status bar names a run and shows its eval token accuracy', { timeout: 90_000 }, async () => {
  await statusItem(page).waitFor({ timeout: 80_000 });
  assert.match(await statusItem(page).innerText(), /(live-run|sft-run) · Token acc \d+\.\d% [↑↓→]/);
});

test('the panel opens from the command palette and draws both runs on both charts', { timeout: 60_000 }, async () => {
  await runCommand(page, 'Token Accuracy Lens: Open Metrics Panel');
  const frame = panelFrame(page);
  await frame.locator('#accuracy-chart[data-runs="2"]').waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('#loss-chart').getAttribute('data-runs'), '2');
  assert.equal(await frame.locator('#accuracy-chart').getAttribute('data-points'), String(10 + 8));
  assert.equal(await frame.locator('#summary tbody tr').count(), 2);
  assert.match(await frame.locator('#warnings').innerText(), /Eval loss is up \d+% from its minimum at step 300/);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-panel.png') });
});

test('a line appended to the live log reaches the panel and the status bar', { timeout: 45_000 }, async () => {
  // The bar holds the run it shows: the live run is chosen first, so that its append is what the bar shows.
  await chooseStatusRun('live-run');
  const frame = panelFrame(page);
  const before = await statusItem(page).innerText();
  const started = Date.now();
  appendFileSync(jsonlPath, JSON.stringify({ step: 450, 'eval/loss': 1.6, 'eval/mean_token_accuracy': 0.61, 'train/loss': 1.7 }) + '\n');
  await frame.locator('#accuracy-chart[data-points="19"]').waitFor({ timeout: 10_000 });
  const panelMs = Date.now() - started;
  await page.waitForFunction(
    (old) =>
      [...document.querySelectorAll('#workbench\\.parts\\.statusbar .statusbar-item')].some(
        (item) => item.textContent?.includes('61.0%') && item.textContent !== old,
      ),
    before,
    { timeout: 10_000 },
  );
  const statusMs = Date.now() - started;
  process.stdout.write(`# append to panel: ${panelMs} ms, to status bar: ${statusMs} ms\n`);
  assert.match(await frame.locator('#summary tbody tr', { hasText: 'live-run' }).innerText(), /450\s+61\.0% ↑/);
  assert.ok(panelMs < 1000 && statusMs < 1000, `the append took ${panelMs} ms to reach the panel and ${statusMs} ms to reach the status bar`);
});

test('the Training Runs view lists every run with live status and a warning badge, and opens the panel at a run', { timeout: 60_000 }, async () => {
  // The warning badge sits over the icon: the click goes to the icon itself.
  await page.locator('.activitybar .action-item a[aria-label^="Token Accuracy Lens"]').click({ force: true });
  const sidebar = page.locator('#workbench\\.parts\\.sidebar');
  const row = (name: string) => sidebar.locator('.monaco-list-row', { hasText: name });
  await row('live-run').waitFor({ timeout: 20_000 });
  assert.match(await row('live-run').innerText(), /61\.0% @ 450 · live/);
  assert.match(await row('sft-run').innerText(), /50\.9% @ 1000 · (live|idle) · \d+ warnings?/);
  assert.equal(
    await page
      .locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Token Accuracy Lens"]') })
      .locator('.badge-content')
      .innerText(),
    '1',
  );
  // The panel goes to a background tab: a click on a run brings it back, focused on that run.
  await runCommand(page, 'File: New Untitled Text File');
  await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 10_000 });
  await row('sft-run').click();
  const frame = panelFrame(page);
  await frame.locator('#summary tr[aria-selected="true"]', { hasText: 'sft-run' }).waitFor({ timeout: 10_000 });
  assert.match(await frame.locator('#run-list li.focused').innerText(), /sft-run/);
  await statusItem(page).filter({ hasText: 'sft-run · Token acc' }).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-runs-view.png') });
});

test('export: the visible data as CSV and a chart as PNG are saved where the save dialog says', { timeout: 60_000 }, async () => {
  const frame = panelFrame(page);
  const save = async (button: string, fileName: string): Promise<Buffer> => {
    await frame.locator(button).click();
    // code-server's save dialog is a quick input holding the proposed path (the workspace folder and the name).
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      (name) => (document.querySelector('.quick-input-widget input.input') as HTMLInputElement | null)?.value.endsWith(`/${name}`),
      fileName,
      { timeout: 10_000 },
    );
    await page.keyboard.press('Enter');
    const target = join(workspace, fileName);
    for (let i = 0; i < 50 && !existsSync(target); i++) await new Promise((done) => setTimeout(done, 200));
    return readFileSync(target);
  };
  const csv = (await save('#export-csv', 'token-accuracy-visible.csv')).toString('utf8').split('\n');
  assert.equal(csv[0], 'run,metric,step,value,smoothed');
  assert.ok(csv.some((line) => line.startsWith('"live-run","eval/mean_token_accuracy",450,61,')));
  const png = await save('#loss-png', 'loss.png');
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.length > 5000);
});

test('the status-bar hover card gives loss, both best steps and the warning', { timeout: 45_000 }, async () => {
  // Opening sft-run from the Training Runs view made the bar show it: the quick pick chooses the live run back.
  await chooseStatusRun('live-run');
  await statusItem(page).hover();
  const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Token Accuracy Lens' }).first();
  await hover.waitFor({ timeout: 10_000 });
  const text = await hover.innerText();
  assert.match(text, /live-run/);
  assert.match(text, /Eval token accuracy \(step 450\)\s+61\.0%/);
  assert.match(text, /Eval loss\s+1\.6000/);
  assert.match(text, /Best by loss\s+step 450/);
  assert.match(text, /Best by accuracy\s+step 450/);
  assert.match(text, /Shown because you chose it/);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-status-tooltip.png') });
});

test('after a window reload the panel comes back (serializer) with its data and the smoothing the user chose', { timeout: 90_000 }, async () => {
  const frame = panelFrame(page);
  await frame.locator('#smoothing').fill('0.8');
  await frame.locator('#smoothing-value', { hasText: '0.80' }).waitFor();
  // Through the workbench's own reload, which saves its state (webview state included) before it goes.
  await page.evaluate(() => document.documentElement.setAttribute('data-before-reload', ''));
  await runCommand(page, 'Developer: Reload Window');
  await page.waitForFunction(
    () => !document.documentElement.hasAttribute('data-before-reload') && document.querySelector('.monaco-workbench') !== null,
    undefined,
    { timeout: 60_000 },
  );
  await statusItem(page).waitFor({ timeout: 80_000 });
  const restored = panelFrame(page);
  await restored.locator('#accuracy-chart[data-runs="2"]').waitFor({ timeout: 30_000 });
  assert.equal(await restored.locator('#smoothing').inputValue(), '0.8');
  assert.equal(await restored.locator('#summary tbody tr').count(), 2);
});
