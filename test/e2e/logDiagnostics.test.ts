import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { CodeServer } from '../../scripts/vscode-host/codeServer.mjs';
import { ARTIFACTS, launchChromium } from '../chromium';
import { misleadingRunPoints } from '../fixtures/runs';

const REPO = resolve(__dirname, '../../..');
const VSIX = join(REPO, 'dist', 'token-accuracy-lens.vsix');

async function codeServerModule(): Promise<typeof import('../../scripts/vscode-host/codeServer.mjs')> {
  return import(pathToFileURL(join(REPO, 'scripts', 'vscode-host', 'codeServer.mjs')).href) as Promise<typeof import('../../scripts/vscode-host/codeServer.mjs')>;
}

let server: CodeServer;
let browser: Browser;
let page: Page;
let workspace: string;

/**
 * A finished Hugging Face run kept by loss (`load_best_model_at_end` without `metric_for_best_model`):
 * its eval loss is lowest at step 300 and its token accuracy highest at step 1000.
 */
function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-e2e-log-'));
  const byStep = new Map<string, Record<string, number>>();
  for (const point of misleadingRunPoints()) {
    const id = `${point.key.startsWith('eval') ? 'eval' : 'train'}:${point.step}`;
    byStep.set(id, { ...(byStep.get(id) ?? { step: point.step }), [point.key]: point.value });
  }
  const history = [...byStep.values()].sort((a, b) => (a['step'] as number) - (b['step'] as number));
  const bestLoss = Math.min(...misleadingRunPoints().filter((point) => point.key === 'eval_loss').map((point) => point.value));
  const state = { best_metric: bestLoss, best_model_checkpoint: 'outputs/sft-run/checkpoint-300', global_step: 1000, log_history: history };
  mkdirSync(join(dir, 'outputs', 'sft-run'), { recursive: true });
  writeFileSync(join(dir, 'outputs', 'sft-run', 'trainer_state.json'), JSON.stringify(state, null, 2));
  return dir;
}

async function quickInput(text: string, row: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor();
  await page.keyboard.press('Enter');
}

const problemRows = () => page.locator('.markers-panel .monaco-list-row', { hasText: 'Token Accuracy Lens' });

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  workspace = makeWorkspace();
  const { startCodeServer } = await codeServerModule();
  server = await startCodeServer({ workspace, vsix: VSIX });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url);
});

after(async () => {
  if (page !== undefined) await page.screenshot({ path: join(ARTIFACTS, 'e2e-log-last.png') }).catch(() => undefined);
  await browser?.close();
  await server?.stop();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

test('the run’s trainer_state.json marks its loss-based best checkpoint and the eval where the loss starts to mislead', { timeout: 120_000 }, async () => {
  await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'Token acc' }).waitFor({ timeout: 90_000 });
  await quickInput('trainer_state.json', 'trainer_state.json');
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 20_000 });
  await quickInput('>View: Toggle Problems', 'Toggle Problems');
  await problemRows().first().waitFor({ timeout: 10_000 });
  const text = (await problemRows().allInnerTexts()).join('\n');
  assert.match(text, /load_best_model_at_end would load the best checkpoint by eval loss \(step 300\), but the best by token accuracy is step 1000/);
  assert.match(text, /best_metric is the lowest eval loss \(step 300\)/);
  assert.match(text, /From this eval on, the loss misleads\. Eval loss is up \d+% since step 300/);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-log-warning.png') });
});

test('the marks go when the run goes', { timeout: 60_000 }, async () => {
  rmSync(join(workspace, 'outputs', 'sft-run'), { recursive: true, force: true });
  await problemRows().first().waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await problemRows().count(), 0);
});
