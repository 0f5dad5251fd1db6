import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../chromium';
import { healthyRunPoints, jsonlText, logHistory, misleadingRunPoints } from '../fixtures/runs';
import { openFile, panelFrame, quickInput, runCommand, statusItem, Workbench } from './workbench';

const SCRIPT = `from trl import SFTConfig as Config

config = Config(
    output_dir="outputs/sft-run",
    load_best_model_at_end=True,
    eval_steps=100,
)
`;

/**
 * Writes into the healthy run (a file inside its folder): its warning can only be a hint. Its compiled
 * accuracy metric is the key a fix may write (the run's keys are not spelled as Keras logs them).
 */
const KERAS_SCRIPT = `import keras

stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
log = keras.callbacks.CSVLogger("outputs/healthy/log.csv")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
`;

const workbench = new Workbench();
let page: Page;
let workspace: string;

/** A training script beside the Hugging Face run it writes, a run whose eval loss turns up at step 300. */
function makeWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-e2e-code-'));
  mkdirSync(join(dir, 'outputs', 'sft-run'), { recursive: true });
  writeFileSync(
    join(dir, 'outputs', 'sft-run', 'trainer_state.json'),
    JSON.stringify({ global_step: 1000, log_history: logHistory(misleadingRunPoints()) }, null, 2),
  );
  writeFileSync(join(dir, 'train.py'), SCRIPT);
  mkdirSync(join(dir, 'outputs', 'healthy'), { recursive: true });
  writeFileSync(join(dir, 'outputs', 'healthy', 'metrics.jsonl'), jsonlText(healthyRunPoints()));
  writeFileSync(join(dir, 'keras_train.py'), KERAS_SCRIPT);
  return dir;
}

const problemRows = (text = 'load_best_model_at_end') => page.locator('.markers-panel .monaco-list-row', { hasText: text });

before(async () => {
  workspace = makeWorkspace();
  page = await workbench.open(workspace);
});

after(async () => {
  await workbench.close('e2e-code-last.png');
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

test('a training script beside its run gets a Warning on load_best_model_at_end that quotes the run', { timeout: 120_000 }, async () => {
  await statusItem(page).waitFor({ timeout: 90_000 });
  await openFile(page, 'train.py');
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 20_000 });
  await runCommand(page, 'View: Toggle Problems');
  await problemRows().first().waitFor({ timeout: 10_000 });
  const text = await problemRows().first().innerText();
  assert.match(text, /load_best_model_at_end/);
  assert.match(text, /In run "outputs\/sft-run", eval loss was lowest at step 300, but token accuracy is still rising at step 1000: \+\d+\.\d points\./);
  assert.match(text, /By eval loss the best checkpoint is step 300; by eval_mean_token_accuracy, step 1000\./);
  assert.match(text, /Follow "eval_mean_token_accuracy" instead/);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-code-warning.png') });
});

test("the panel's warning on that run opens the script at the argument that trusts the loss", { timeout: 60_000 }, async () => {
  await runCommand(page, 'Token Accuracy Lens: Open Metrics Panel');
  const warning = panelFrame(page).locator('#warnings li[data-kind="misleading-loss"][data-run-id$="sft-run"]');
  await warning.getByRole('button', { name: /^Open the code that chooses checkpoints/ }).click({ timeout: 30_000 });
  await page.locator('.tab.active', { hasText: 'train.py' }).waitFor({ timeout: 10_000 });
  // The finding is selected: `load_best_model_at_end=True` on line 5, not a search of the workspace.
  await page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /Ln 5, Col \d+ \(27 selected\)/ }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.search-view').count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-code-from-warning.png') });
});

test('the quick fix rewrites the call to follow token accuracy upwards, and the warning goes', { timeout: 60_000 }, async () => {
  await quickInput(page, ':5:10', 'line 5');
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Set metric_for_best_model' }).first();
  await fix.waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.action-widget .monaco-list-row', { hasText: 'Open run "outputs/sft-run" in the metrics panel' }).count(), 1);
  // The preferred fix is listed first and focused; the widget's pointer block swallows clicks in headless Chromium.
  assert.match((await fix.getAttribute('class')) ?? '', /\bfocused\b/);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+s');
  const path = join(workspace, 'train.py');
  const deadline = Date.now() + 10_000;
  while (!readFileSync(path, 'utf8').includes('greater_is_better') && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
  assert.equal(
    readFileSync(path, 'utf8'),
    SCRIPT.replace('    eval_steps=100,\n', '    eval_steps=100,\n    metric_for_best_model="eval_mean_token_accuracy",\n    greater_is_better=True,\n'),
  );
  await problemRows().first().waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await page.locator('.monaco-editor .squiggly-warning').count(), 0);
});

test('a script that writes a healthy run gets a short hint, and its other action opens that run in the panel', { timeout: 60_000 }, async () => {
  await openFile(page, 'keras_train.py');
  await page.locator('.monaco-editor .squiggly-info').first().waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('.monaco-editor .squiggly-warning').count(), 0);
  const text = await problemRows('EarlyStopping monitors').first().innerText();
  assert.match(
    text,
    /EarlyStopping monitors "val_loss": it stops training when it stops falling\. Loss can rise while token accuracy still improves; consider following "val_accuracy"\./,
  );
  await quickInput(page, ':3:40', 'line 3');
  await page.keyboard.press('Control+.');
  await page.locator('.action-widget .monaco-list-row', { hasText: 'Set monitor="val_accuracy", mode="max"' }).first().waitFor({ timeout: 10_000 });
  const open = page.locator('.action-widget .monaco-list-row', { hasText: 'Open run "outputs/healthy" in the metrics panel' });
  await open.waitFor();
  await page.keyboard.press('ArrowDown');
  assert.match((await open.getAttribute('class')) ?? '', /\bfocused\b/);
  await page.keyboard.press('Enter');
  await panelFrame(page).locator('#accuracy-chart').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-code-open-run.png') });
});

test('when the run the script writes starts to show misleading loss, the hint becomes a Warning that says so', { timeout: 60_000 }, async () => {
  await openFile(page, 'keras_train.py');
  await page.locator('.monaco-editor .squiggly-info').first().waitFor({ timeout: 10_000 });
  // Eval loss turns up after step 400 while token accuracy keeps rising.
  const lines = [450, 500, 550, 600, 650, 700, 750].map(
    (step, k) => JSON.stringify({ step, 'eval/loss': 1.85 + 0.15 * k, 'eval/mean_token_accuracy': 0.43 + 0.01 * k, 'train/loss': 1.8 - 0.1 * k }) + '\n',
  );
  appendFileSync(join(workspace, 'outputs', 'healthy', 'metrics.jsonl'), lines.join(''));
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 20_000 });
  // The Problems view refreshes a little after the editor's marks.
  await problemRows('In run "outputs/healthy", eval loss was lowest at step 400, but token accuracy is still rising at step 750')
    .first()
    .waitFor({ timeout: 10_000 });
});

test('settings turn a rule off and give it another severity', { timeout: 60_000 }, async () => {
  await openFile(page, 'keras_train.py');
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 10_000 });
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  const settings = join(workspace, '.vscode', 'settings.json');
  writeFileSync(settings, JSON.stringify({ 'tokenAccuracyLens.codeWarnings.rules': { 'keras-monitor': 'off' } }));
  await problemRows('EarlyStopping monitors').first().waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await page.locator('.monaco-editor .squiggly-info, .monaco-editor .squiggly-warning').count(), 0);
  writeFileSync(settings, JSON.stringify({ 'tokenAccuracyLens.codeWarnings.rules': { 'keras-monitor': 'error' } }));
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 20_000 });
  // The rule keeps its severity, so only the switch can take the mark away.
  writeFileSync(
    settings,
    JSON.stringify({ 'tokenAccuracyLens.codeWarnings.rules': { 'keras-monitor': 'error' }, 'tokenAccuracyLens.codeWarnings.enabled': false }),
  );
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await page.locator('.monaco-editor .squiggly-info, .monaco-editor .squiggly-warning').count(), 0);
});
