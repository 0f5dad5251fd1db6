import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from '../chromium';
import { openFile, runCommand, Workbench } from './workbench';

/**
 * A notebook that trains in its fourth cell with arguments made in its third, from an import in its first.
 * compute_metrics comes from a module the rules cannot read, so only the run read from the cell's output can
 * say which accuracy key the Trainer logs (and so whether a fix can be offered).
 */
const CELLS: readonly (readonly ['code' | 'markdown', string])[] = [
  ['code', 'from transformers import Trainer, TrainingArguments\nimport my_metrics\n'],
  ['markdown', '## Fine-tune'],
  [
    'code',
    'args = TrainingArguments(\n    output_dir="out",\n    eval_strategy="epoch",\n    metric_for_best_model="eval_loss",\n    load_best_model_at_end=True,\n)\n',
  ],
  ['code', 'trainer = Trainer(model=model, args=args, compute_metrics=my_metrics.compute)\ntrainer.train()\n'],
];

function notebookJson(): string {
  const cells = CELLS.map(([kind, source]) =>
    kind === 'code' ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source } : { cell_type: 'markdown', metadata: {}, source },
  );
  return JSON.stringify({ cells, metadata: { language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 }, null, 1);
}

/** What the Trainer prints in VS Code, one dict per log and per evaluation: eval loss bottoms at epoch 3 while accuracy keeps rising. */
function trainerPrints(): string[] {
  const prints: string[] = [];
  for (let k = 0; k < 10; k++) {
    const epoch = k + 1;
    prints.push(`{'loss': ${(2.6 - 0.1 * k).toFixed(4)}, 'grad_norm': 3.1, 'learning_rate': 4.5e-05, 'epoch': ${epoch - 0.5}}\n`);
    const loss = 2 + 0.05 * (k - 2) ** 2;
    const accuracy = 0.4 + 0.012 * k + (k % 2) * 0.001;
    prints.push(
      `{'eval_loss': ${loss.toFixed(4)}, 'eval_accuracy': ${accuracy.toFixed(4)}, 'eval_runtime': 1.23, 'eval_samples_per_second': 81.3, 'epoch': ${epoch}.0}\n`,
    );
  }
  return prints;
}

/**
 * A helper extension, loaded from source beside the packaged one: it plays a running Trainer into the training
 * cell through the notebook API (a controller's cell execution, no kernel), one print per command, and writes
 * what the diagnostics and code actions of the notebook's cells are to a report file.
 */
const PLAYER_PACKAGE = {
  name: 'notebook-player',
  publisher: 'tal-test',
  version: '0.0.1',
  engines: { vscode: '^1.99.0' },
  main: './extension.js',
  activationEvents: ['onStartupFinished'],
  contributes: {
    commands: [
      { command: 'talTest.playNext', title: 'Play Next Output', category: 'TAL Test' },
      { command: 'talTest.playRest', title: 'Play Remaining Outputs', category: 'TAL Test' },
      { command: 'talTest.report', title: 'Write Report', category: 'TAL Test' },
      { command: 'talTest.applyFix', title: 'Apply Preferred Fix', category: 'TAL Test' },
    ],
  },
};

const PLAYER_SOURCE = `
const vscode = require('vscode');
const fs = require('fs');
const path = require('path');

exports.activate = (context) => {
  const controller = vscode.notebooks.createNotebookController('tal-test-player', 'jupyter-notebook', 'TAL Test Player');
  controller.supportedLanguages = ['python'];
  controller.executeHandler = () => undefined;
  context.subscriptions.push(controller);
  const prints = JSON.parse(fs.readFileSync(path.join(context.extensionPath, 'prints.json'), 'utf8'));
  let execution;
  let output;
  let played = 0;
  const notebook = () => {
    const found = vscode.workspace.notebookDocuments.find((candidate) => candidate.uri.path.endsWith('/train.ipynb'));
    if (found === undefined) throw new Error('the notebook is not open');
    return found;
  };
  const playNext = async () => {
    if (execution === undefined) {
      // The notebook is the active editor on the first play: the controller becomes its kernel.
      await vscode.commands.executeCommand('notebook.selectKernel', { id: controller.id, extension: 'tal-test.notebook-player' });
      const cell = notebook().getCells().find((c) => c.document.getText().includes('trainer.train()'));
      execution = controller.createNotebookCellExecution(cell);
      execution.start(Date.now());
      await execution.clearOutput();
    }
    if (played >= prints.length) return;
    const item = vscode.NotebookCellOutputItem.stdout(prints[played++]);
    if (output === undefined) {
      output = new vscode.NotebookCellOutput([item]);
      await execution.replaceOutput([output]);
    } else await execution.appendOutputItems([item], output);
    if (played === prints.length) execution.end(true, Date.now());
  };
  const report = async () => {
    const cells = notebook().getCells();
    const cellOf = (uri) => cells.findIndex((c) => c.document.uri.toString() === uri.toString());
    const found = [];
    for (const cell of cells) {
      for (const d of vscode.languages.getDiagnostics(cell.document.uri).filter((d) => d.source === 'Token Accuracy Lens')) {
        const actions = (await vscode.commands.executeCommand('vscode.executeCodeActionProvider', cell.document.uri, d.range)) ?? [];
        found.push({
          cell: cell.index,
          code: d.code,
          severity: d.severity,
          message: d.message,
          text: cell.document.getText(d.range),
          actions: actions.map((a) => ({
            title: a.title,
            edits: a.edit === undefined ? [] : a.edit.entries().flatMap(([uri, edits]) => edits.map((e) => ({ cell: cellOf(uri), newText: e.newText }))),
          })),
        });
      }
    }
    fs.writeFileSync(path.join(context.extensionPath, 'report.json'), JSON.stringify(found));
  };
  const applyFix = async () => {
    for (const cell of notebook().getCells()) {
      for (const d of vscode.languages.getDiagnostics(cell.document.uri).filter((d) => d.source === 'Token Accuracy Lens')) {
        const actions = (await vscode.commands.executeCommand('vscode.executeCodeActionProvider', cell.document.uri, d.range)) ?? [];
        const fix = actions.find((a) => a.isPreferred && a.edit !== undefined);
        if (fix !== undefined) await vscode.workspace.applyEdit(fix.edit);
      }
    }
    fs.writeFileSync(path.join(context.extensionPath, 'cells.json'), JSON.stringify(notebook().getCells().map((c) => c.document.getText())));
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('talTest.playNext', playNext),
    vscode.commands.registerCommand('talTest.playRest', async () => {
      while (played < prints.length) await playNext();
    }),
    vscode.commands.registerCommand('talTest.report', report),
    vscode.commands.registerCommand('talTest.applyFix', applyFix),
  );
};
`;

interface ReportedDiagnostic {
  readonly cell: number;
  readonly code: string;
  readonly severity: number;
  readonly message: string;
  readonly text: string;
  readonly actions: readonly { readonly title: string; readonly edits: readonly { readonly cell: number; readonly newText: string }[] }[];
}

const workbench = new Workbench();
let page: Page;
let workspace: string;
let player: string;

/** The status-bar item once it speaks for the notebook's training cell (cell 4). */
const notebookStatus = (page: Page) => page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: 'cell 4' });

/** The metrics panel: the notebook's outputs are a webview too, so the panel's is told apart by the extension that made it. */
const panel = () => page.frameLocator('iframe.webview.ready[src*="extensionId=token-accuracy-lens.token-accuracy-lens"]').frameLocator('iframe#active-frame');

async function report(): Promise<ReportedDiagnostic[]> {
  const file = join(player, 'report.json');
  rmSync(file, { force: true });
  await runCommand(page, 'TAL Test: Write Report');
  const deadline = Date.now() + 10_000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  return JSON.parse(readFileSync(file, 'utf8')) as ReportedDiagnostic[];
}

before(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'tal-e2e-notebook-'));
  mkdirSync(join(workspace, 'nb'));
  writeFileSync(join(workspace, 'nb', 'train.ipynb'), notebookJson());
  player = mkdtempSync(join(tmpdir(), 'tal-e2e-player-'));
  writeFileSync(join(player, 'package.json'), JSON.stringify(PLAYER_PACKAGE));
  writeFileSync(join(player, 'extension.js'), PLAYER_SOURCE);
  writeFileSync(join(player, 'prints.json'), JSON.stringify(trainerPrints()));
  page = await workbench.open(workspace, [player]);
});

after(async () => {
  await workbench.close('e2e-notebook-last.png');
  for (const dir of [workspace, player]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test(
  'the notebook cell that sets metric_for_best_model="eval_loss" gets its diagnostic, with the import read from the first cell',
  { timeout: 150_000 },
  async () => {
    // The workspace holds only the notebook: the extension starts when it opens.
    await page.locator('#workbench\\.parts\\.sidebar .monaco-list-row', { hasText: 'nb' }).first().waitFor({ timeout: 90_000 });
    await openFile(page, 'train.ipynb');
    await page.locator('.monaco-editor .squiggly-info').first().waitFor({ timeout: 60_000 });
    const [diagnostic, ...others] = await report();
    assert.equal(others.length, 0);
    assert.equal(diagnostic?.cell, 2);
    assert.equal(diagnostic?.code, 'hf-loss-metric');
    assert.equal(diagnostic?.text, 'metric_for_best_model="eval_loss"');
    // Nothing yet says which accuracy the Trainer logs: no fix, only the action that would open a run (none yet).
    assert.match(diagnostic?.message ?? '', /No fix is offered/);
    assert.deepEqual(diagnostic?.actions, []);
  },
);

test("the panel and the status bar follow the Trainer's prints into the cell's output, one by one", { timeout: 120_000 }, async () => {
  await runCommand(page, 'TAL Test: Play Next Output');
  await runCommand(page, 'TAL Test: Play Next Output');
  await notebookStatus(page).filter({ hasText: '40.0%' }).waitFor({ timeout: 15_000 });
  await runCommand(page, 'Token Accuracy Lens: Open Metrics Panel');
  const row = panel().locator('tr[data-run-id$="train.ipynb#cell-4"]');
  await row.filter({ hasText: '40.0%' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-notebook-live-1.png') });
  await runCommand(page, 'TAL Test: Play Next Output');
  await runCommand(page, 'TAL Test: Play Next Output');
  await row.filter({ hasText: '41.3%' }).waitFor({ timeout: 15_000 });
  await notebookStatus(page).filter({ hasText: '41.3%' }).waitFor({ timeout: 15_000 });
  assert.equal(await panel().locator('tr[data-run-id*="train.ipynb"]').count(), 1, 'the notebook run is shown once');
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-notebook-live-2.png') });
});

test("the run read from the cell's output weighs the cell's warning and gives its fix the key the Trainer logs", { timeout: 120_000 }, async () => {
  await runCommand(page, 'TAL Test: Play Remaining Outputs');
  await notebookStatus(page).filter({ hasText: '50.9%' }).waitFor({ timeout: 20_000 });
  const deadline = Date.now() + 20_000;
  let diagnostics = await report();
  // DiagnosticSeverity.Warning: the run's evidence makes the advice a warning.
  while (diagnostics[0]?.severity !== 1 && Date.now() < deadline) diagnostics = await report();
  const [diagnostic] = diagnostics;
  assert.equal(diagnostic?.cell, 2);
  // The printed dicts carry no step: the run counts in epochs, and the warning says so.
  assert.match(
    diagnostic?.message ?? '',
    /In run "train\.ipynb · cell 4 \(nb\/train\.ipynb#cell-4\)", eval loss was lowest at epoch 3, but accuracy is still rising at epoch 10/,
  );
  const fix = diagnostic?.actions.find((action) => action.title.startsWith('Set metric_for_best_model'));
  assert.match(fix?.title ?? '', /^Set metric_for_best_model="eval_accuracy"/);
  assert.deepEqual(new Set(fix?.edits.map((edit) => edit.cell)), new Set([2]));
  assert.ok(diagnostic?.actions.some((action) => action.title.startsWith('Open run "train.ipynb · cell 4')));
  await page.screenshot({ path: join(ARTIFACTS, 'e2e-notebook-warning.png') });
});

test('the quick fix rewrites the arguments in their cell, and the warning goes', { timeout: 60_000 }, async () => {
  const file = join(player, 'cells.json');
  await runCommand(page, 'TAL Test: Apply Preferred Fix');
  const deadline = Date.now() + 10_000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  const cells = JSON.parse(readFileSync(file, 'utf8')) as string[];
  assert.equal(
    cells[2],
    (CELLS[2] as readonly [string, string])[1]
      .replace('metric_for_best_model="eval_loss"', 'metric_for_best_model="eval_accuracy"')
      .replace('    load_best_model_at_end=True,\n', '    load_best_model_at_end=True,\n    greater_is_better=True,\n'),
  );
  assert.equal(cells[3], (CELLS[3] as readonly [string, string])[1]);
  let diagnostics = await report();
  while (diagnostics.length > 0 && Date.now() < deadline + 10_000) diagnostics = await report();
  assert.deepEqual(diagnostics, []);
});
