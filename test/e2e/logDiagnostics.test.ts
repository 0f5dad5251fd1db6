import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../chromium';
import { logHistory, misleadingRunPoints } from '../fixtures/runs';
import { openFile, runCommand, statusItem, Workbench } from './workbench';

const workbench = new Workbench();
let page: Page;
let workspace: string;

/**
 * A finished Hugging Face run kept by loss (`load_best_model_at_end` without `metric_for_best_model`):
 * its eval loss is lowest at step 300 and its token accuracy highest at step 1000.
 */
function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-e2e-log-'));
  const history = logHistory(misleadingRunPoints());
  const bestLoss = Math.min(
    ...misleadingRunPoints()
      .filter((point) => point.key === 'eval_loss')
      .map((point) => point.value),
  );
  const state = { best_metric: bestLoss, best_model_checkpoint: 'outputs/sft-run/checkpoint-300', global_step: 1000, log_history: history };
  mkdirSync(join(dir, 'outputs', 'sft-run'), { recursive: true });
  writeFileSync(join(dir, 'outputs', 'sft-run', 'trainer_state.json'), JSON.stringify(state, null, 2));
  return dir;
}

const problemRows = () => page.locator('.markers-panel .monaco-list-row', { hasText: 'Token Accuracy Lens' });

before(async () => {
  workspace = makeWorkspace();
  page = await workbench.open(workspace);
});

after(async () => {
  await workbench.close('e2e-log-last.png');
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

test('the run’s trainer_state.json marks its loss-based best checkpoint and the eval where the loss starts to mislead', { timeout: 120_000 }, async () => {
  await statusItem(page).waitFor({ timeout: 90_000 });
  await openFile(page, 'trainer_state.json');
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 20_000 });
  await runCommand(page, 'View: Toggle Problems');
  await problemRows().first().waitFor({ timeout: 10_000 });
  const text = (await problemRows().allInnerTexts()).join('\n');
  assert.match(text, /load_best_model_at_end would load the best checkpoint by eval loss \(step 300\), but the best by token accuracy is step 1000/);
  assert.match(text, /best_metric is the lowest eval loss \(step 300\)/);
  assert.match(text, /From this eval on, the loss misleads\. Eval loss is up \d+% from its minimum at step 300/);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-log-warning.png') });
});

test('the marks go when the run goes', { timeout: 60_000 }, async () => {
  rmSync(join(workspace, 'outputs', 'sft-run'), { recursive: true, force: true });
  await problemRows().first().waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await problemRows().count(), 0);
});
