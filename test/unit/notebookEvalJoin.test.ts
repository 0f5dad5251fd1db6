import assert from 'node:assert/strict';
import test from 'node:test';
import { notebookCellRuns, notebookRuns, type NotebookOutput, type NotebookRun } from '../../src/core/formats/notebookOutputs';
import { EVALUATION_PARAMETER, joinNotebookEvaluations } from '../../src/core/formats/notebookEvalJoin';
import { hfTrackerHtml } from './notebookFiles';

function out(text: string): NotebookOutput {
  return { kind: 'stream', mime: 'text/plain', stream: 'stdout', text };
}

function returned(text: string): NotebookOutput {
  return { kind: 'display', mime: 'text/plain', text };
}

/** What `trainer.train()` prints in VS Code: a dict per log and per evaluation, epochs 1 to `epochs`, no step. */
function training(epochs: number, keys: readonly string[] = ['eval_loss', 'eval_accuracy']): NotebookOutput {
  const lines: string[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    lines.push(`{'loss': ${(2 - 0.2 * epoch).toFixed(2)}, 'grad_norm': 1.5, 'learning_rate': 2e-05, 'epoch': ${epoch}.0}`);
    const values = keys.map((key, i) => `'${key}': ${(1.5 - 0.1 * epoch + i).toFixed(2)}`);
    lines.push(`{${[...values, "'eval_runtime': 1.2"].join(', ')}, 'epoch': ${epoch}.0}`);
  }
  return out(`${lines.join('\n')}\n`);
}

/** What `trainer.evaluate()` prints at the end of the cell, and returns. */
function evaluation(epoch: number, values: Readonly<Record<string, number>>): NotebookOutput[] {
  const dict = `{${[...Object.entries(values).map(([key, value]) => `'${key}': ${value}`), `'epoch': ${epoch.toFixed(1)}`].join(', ')}}`;
  return [out(`${dict}\n`), returned(dict)];
}

function read(...cells: (readonly NotebookOutput[])[]): readonly NotebookRun[] {
  const { runs, problems } = notebookRuns(
    'ft.ipynb',
    cells.map((outputs, index) => ({ index, outputs })),
  );
  assert.deepEqual(problems, []);
  return runs;
}

const said = (run: NotebookRun | undefined): string => String(run?.runInfo.parameters?.[EVALUATION_PARAMETER] ?? '');

test("an evaluation in its own cell joins the training it evaluates: same notebook, earlier cell, ending at the evaluation's epoch, with its keys", () => {
  const runs = read([training(3)], evaluation(3, { eval_loss: 1.2, eval_accuracy: 2.2, eval_runtime: 1.3 }));
  assert.deepEqual(
    runs.map((run) => run.suffix),
    ['cell-1'],
    'one run: the evaluation is not a run of its own',
  );
  const run = runs[0];
  assert.equal(
    said(run),
    "cell 2's evaluation at epoch 3 joined: the nearest earlier training ending at epoch 3 with its keys (eval_accuracy, eval_loss, eval_runtime); its values repeat the training's own evaluation there",
  );
  assert.deepEqual(
    run?.points.filter((point) => point.key === 'eval_loss').map((point) => [point.step, point.value]),
    [
      [1, 1.4],
      [2, 1.3],
      [3, 1.2],
      [3, 1.2],
      [3, 1.2],
    ],
    "the evaluation's printed and returned dict at the training's last epoch (the store keeps one value per step)",
  );
});

test('an evaluation whose values differ from the training at that epoch (the best model loaded back) joins, saying its values are kept', () => {
  const [run] = read([training(3)], evaluation(3, { eval_loss: 1.3, eval_accuracy: 2.3, eval_runtime: 1.2 }));
  assert.match(said(run), /its eval_loss, eval_accuracy differ from the training's own evaluation there .*: the evaluation's values are kept$/);
  assert.deepEqual(run?.points.at(-1), { key: 'eval_runtime', step: 3, value: 1.2, epoch: 3 });
});

test('an evaluation at an epoch the nearest training does not end at stays a run of its own, saying why', () => {
  const runs = read([training(3)], evaluation(2, { eval_loss: 1.3, eval_accuracy: 2.3 }));
  assert.deepEqual(
    runs.map((run) => run.suffix),
    ['cell-1', 'cell-2'],
  );
  assert.equal(said(runs[0]), '', 'the training says nothing of an evaluation it was not given');
  assert.equal(
    said(runs[1]),
    'kept as a run of its own (no earlier training ends at epoch 2 with its evaluation keys; the nearest, cell 1: it ends at epoch 3, the evaluation is at epoch 2)',
  );
});

test('an evaluation lacking a key the training evaluated, or with no training before it, stays its own run', () => {
  const lacking = read([training(3)], evaluation(3, { eval_loss: 1.2 }));
  assert.equal(lacking.length, 2);
  assert.match(said(lacking[1]), /the nearest, cell 1: the evaluation lacks eval_accuracy, eval_runtime, which it logged\)$/);
  const first = read(evaluation(3, { eval_loss: 1.2 }), [training(3)]);
  assert.equal(first.length, 2);
  assert.equal(said(first[0]), 'kept as a run of its own (no earlier cell of this notebook trains)');
  const untrained = read(
    [training(3, [])].map((output) => out(output.text.replace(/\{'eval_runtime': 1\.2, 'epoch': \d\.0\}\n/g, ''))),
    evaluation(3, { eval_loss: 1.2 }),
  );
  assert.equal(untrained.length, 2);
  assert.match(said(untrained[1]), /cell 1: it logged no evaluation to compare keys with\)$/);
});

test('of two trainings ending at the epoch, the nearest before the evaluation takes it, and the info says another matched', () => {
  const runs = read([training(3)], [training(3)], evaluation(3, { eval_loss: 1.2, eval_accuracy: 2.2, eval_runtime: 1.2 }));
  assert.deepEqual(
    runs.map((run) => [run.suffix, said(run) === '' ? 'alone' : 'joined']),
    [
      ['cell-1', 'alone'],
      ['cell-2', 'joined'],
    ],
  );
  assert.match(said(runs[1]), /, of 2 that do; /);
});

test("the Trainer's Epoch table and the dict evaluate() returns in the next cell: joined, the table having no eval_runtime column", () => {
  const table = hfTrackerHtml(
    ['Epoch', 'Training Loss', 'Validation Loss', 'Accuracy'],
    [
      [1, 1.8, 1.6, 0.32],
      [2, 1.6, 1.7, 0.34],
    ],
  );
  const runs = read(
    [{ kind: 'display', mime: 'text/html', text: table }],
    [returned("{'eval_loss': 1.7, 'eval_accuracy': 0.34, 'eval_runtime': 2.5, 'epoch': 2.0}")],
  );
  assert.equal(runs.length, 1);
  assert.match(said(runs[0]), /^cell 2's evaluation at epoch 2 joined: .* \(eval_accuracy, eval_loss\); its values repeat/);
});

test('a Step table and an evaluation by epoch do not meet: kept apart, saying their x differ', () => {
  const table = hfTrackerHtml(
    ['Step', 'Training Loss', 'Validation Loss'],
    [
      [100, 1.8, 1.6],
      [200, 1.6, 1.7],
    ],
  );
  const runs = read([{ kind: 'display', mime: 'text/html', text: table }], evaluation(2, { eval_loss: 1.7 }));
  assert.equal(runs.length, 2);
  assert.match(said(runs[1]), /cell 1: its x is the step and the evaluation's the epoch\)$/);
});

test('the live feed reads each cell alone and joins after: the same runs as the saved file', () => {
  const cells = [[training(3)], [out('done\n')], evaluation(3, { eval_loss: 1.2, eval_accuracy: 2.2, eval_runtime: 1.2 })].map((outputs, index) => ({
    index,
    outputs,
  }));
  const perCell = cells.flatMap((cell) => notebookCellRuns('ft.ipynb', [cell]).runs);
  assert.equal(perCell.length, 2, 'read alone, the evaluation is a run');
  assert.deepEqual(joinNotebookEvaluations(perCell), notebookRuns('ft.ipynb', cells).runs);
});
