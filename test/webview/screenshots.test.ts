import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { SimulatedFormat } from '../../scripts/simulateTraining.mjs';
import { buildRunView } from '../../src/core/runView';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import type { RunView } from '../../src/protocol';
import { ARTIFACTS, launchChromium } from '../chromium';
import { openPanel } from './panelPage';
import type { StandInTheme } from './standInHost';

/**
 * The README's panel screenshots, made from the demo's simulated runs (the five formats it writes, read by the
 * extension's own readers and named as the extension names them), so they show what a user would see and are
 * made again whenever the panel changes. Like every screenshot they are written into test-results/; into docs/
 * only when TAL_UPDATE_DOCS=1 is set, since a test run never changes tracked files.
 */
const REPO = resolve(__dirname, '../../..');
const DOCS = join(REPO, 'docs');
const RUNS: readonly { readonly dir: string; readonly format: SimulatedFormat }[] = [
  { dir: join('outputs', 'llama-3.2-1b-sft-lr2e-5'), format: 'hf' },
  { dir: join('logs', 'qwen2.5-0.5b-sft-lr1e-4'), format: 'jsonl' },
  { dir: join('tb', 'gemma-2-2b-sft-lr5e-5'), format: 'tensorboard' },
  { dir: join('lightning', 'smollm2-360m-lora-r8'), format: 'lightning' },
  { dir: join('mlflow', 'mistral-7b-qlora'), format: 'mlflow' },
];
const EVALS = 30;

let workspace: string;
let browser: Browser;
let views: RunView[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  workspace = mkdtempSync(join(tmpdir(), 'tal-screenshots-'));
  // Loaded at run time, as the demo runs it: the script is a plain ES module with a command line of its own.
  const { simulate } = (await import(pathToFileURL(join(REPO, 'scripts', 'simulateTraining.mjs')).href)) as typeof import('../../scripts/simulateTraining.mjs');
  await Promise.all(RUNS.map((run) => simulate({ dir: join(workspace, run.dir), format: run.format, evals: EVALS, intervalMs: 0 })));
  // Read as the CLI reads (every file once); named as the extension names a run: its logged name, else its folder.
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  for (const file of await walkLogs(workspace)) await ingest.ingest(file);
  const now = Date.now();
  views = ingest.store.runIds().map((id, i) => {
    const folder = relative(workspace, id);
    const name = ingest.runInfo(id)?.name;
    const label = name === undefined || folder.endsWith(name) ? folder : `${name} (${folder})`;
    // Two runs still training, three finished an hour ago: the table shows both states.
    return buildRunView(ingest.store.snapshot(id) ?? assert.fail(), label, {}, i < 2 ? now : now - 3_600_000);
  });
  ingest.dispose();
  assert.equal(views.length, RUNS.length, views.map((view) => view.label).join(', '));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

const panel = (theme: StandInTheme, runs: readonly RunView[]): ReturnType<typeof openPanel> => openPanel(browser, theme, runs);

/** Moves the pointer along the loss chart until the crosshair stands on `step`. */
async function crosshairAt(page: Page, step: number): Promise<void> {
  const box = (await page.locator('#loss-chart').boundingBox()) ?? assert.fail();
  const title = `step ${step}`;
  for (let x = box.x; x < box.x + box.width; x += 2) {
    await page.mouse.move(x, box.y + box.height * 0.55);
    if ((await page.evaluate(() => document.querySelector('#loss-tip strong')?.textContent ?? '')) === title) return;
  }
  assert.fail(`the crosshair never reached step ${step}`);
}

async function save(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const dir of process.env['TAL_UPDATE_DOCS'] === '1' ? [DOCS, ARTIFACTS] : [ARTIFACTS]) await page.screenshot({ path: join(dir, name) });
}

test('the README panel screenshot: three runs of Hugging Face, JSONL and TensorBoard logs, the crosshair at step 600', async () => {
  const labels = views.map((view) => view.label);
  assert.ok(
    views.every((view) => view.warnings.some((warning) => warning.kind === 'misleading-loss')),
    'every simulated run shows misleading loss',
  );
  const three = views.filter((view) => /^(outputs|logs|tb)\//.test(view.label));
  assert.equal(three.length, 3, labels.join(', '));
  const dark = await panel('dark', three);
  try {
    await crosshairAt(dark.page, 600);
    assert.equal(await dark.page.locator('#loss-tip li').count(), 2 * three.length, 'eval and train loss of every run');
    await save(dark.page, 'panel.png');
  } finally {
    await dark.close();
  }
});

test('the README light-theme screenshot: all five formats the demo writes', async () => {
  const light = await panel('light', views);
  try {
    await save(light.page, 'panel-light.png');
  } finally {
    await light.close();
  }
});
