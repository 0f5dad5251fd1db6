import assert from 'node:assert/strict';
import test from 'node:test';
import { NOTEBOOK_FORMAT, parseNotebook } from '../../src/core/formats/notebookFormat';
import { isReadNotebookMime, notebookOutputOf, notebookRuns, type NotebookCellOutputs, type NotebookRun } from '../../src/core/formats/notebookOutputs';
import { classifyLogFile } from '../../src/core/formats/registry';
import type { WholeFilePart } from '../../src/core/formats/logFormat';
import { executeResult, hfTableHtml, hfTrackerHtml, htmlDisplay, kerasFit, notebookJson, plainDisplay, stream, type TestCell } from './notebookFiles';

const encoder = new TextEncoder();

function parts(cells: readonly TestCell[], path = '/w/train.ipynb'): { parts: readonly WholeFilePart[]; problems: readonly string[] } {
  const result = parseNotebook(encoder.encode(notebookJson(cells)), path);
  assert.equal(result.kind, 'ok');
  if (result.kind !== 'ok') throw new Error('not ok');
  assert.deepEqual(result.points, []);
  return { parts: result.parts ?? [], problems: result.problems };
}

function series(points: readonly { key: string; step: number; value: number }[], key: string): [number, number][] {
  return points.filter((point) => point.key === key).map((point) => [point.step, point.value]);
}

const TRL_COLUMNS = ['Step', 'Training Loss', 'Validation Loss', 'Accuracy', 'Mean Token Accuracy', 'Entropy', 'Num Tokens'];
const TRL_ROWS = [
  [20, 1.8, 1.6, 0.32, 0.42, 1.2, 20000.0],
  [40, 1.6, 1.7, 0.34, 0.44, 1.2, 40000.0],
  [60, 1.4, 1.8, 0.36, 0.46, 1.2, 60000.0],
];

test('the Trainer table (5.x, TRL columns): Step is the x, columns become the keys the Trainer logs', () => {
  const { parts: runs, problems } = parts([{ outputs: [htmlDisplay(hfTrackerHtml(TRL_COLUMNS, TRL_ROWS))] }]);
  assert.deepEqual(problems, []);
  assert.equal(runs.length, 1);
  const run = runs[0] as WholeFilePart;
  assert.equal(run.suffix, 'cell-1');
  assert.equal(run.runInfo?.name, 'train.ipynb · cell 1');
  assert.equal(run.runInfo?.parameters?.['x axis'], "step (the table's Step column)");
  assert.deepEqual(series(run.points, 'eval_loss'), [
    [20, 1.6],
    [40, 1.7],
    [60, 1.8],
  ]);
  assert.deepEqual(series(run.points, 'loss'), [
    [20, 1.8],
    [40, 1.6],
    [60, 1.4],
  ]);
  assert.deepEqual(series(run.points, 'eval_mean_token_accuracy'), [
    [20, 0.42],
    [40, 0.44],
    [60, 0.46],
  ]);
  assert.deepEqual(
    [...new Set(run.points.map((point) => point.key))],
    ['loss', 'eval_loss', 'eval_accuracy', 'eval_mean_token_accuracy', 'eval_entropy', 'eval_num_tokens'],
  );
});

test('notebookRuns is pure over cells from any source, and names runs by notebook and cell', () => {
  const cells: NotebookCellOutputs[] = [
    { index: 0, outputs: [] },
    { index: 4, id: 'abc', outputs: [{ kind: 'display', mime: 'text/html', text: hfTrackerHtml(TRL_COLUMNS, TRL_ROWS) }] },
  ];
  const { runs, problems } = notebookRuns('sft.ipynb', cells);
  assert.deepEqual(problems, []);
  assert.equal(runs.length, 1);
  const run = runs[0] as NotebookRun;
  assert.deepEqual(
    { suffix: run.suffix, name: run.name, cellIndex: run.cellIndex, cellId: run.cellId, x: run.x, source: run.source },
    { suffix: 'cell-5', name: 'sft.ipynb · cell 5', cellIndex: 4, cellId: 'abc', x: 'step', source: 'hf-table' },
  );
});

test('notebooks are a format of their own; Jupyter checkpoint copies are not read', () => {
  assert.deepEqual(classifyLogFile('/w/nb/train.ipynb'), { format: 'jupyter-notebook', runDirectory: '/w/nb/train.ipynb' });
  assert.equal(NOTEBOOK_FORMAT.classify('/w/nb/.ipynb_checkpoints/train-checkpoint.ipynb'), undefined);
  assert.equal(classifyLogFile('/w/nb/.ipynb_checkpoints/train-checkpoint.ipynb'), undefined);
});

test('the HTML table and Keras and dicts in one notebook: one run per training, in cell order', () => {
  const { parts: runs } = parts([
    { outputs: [htmlDisplay(hfTableHtml(TRL_COLUMNS, TRL_ROWS))] },
    { outputs: [stream(kerasFit([{ loss: 0.7, accuracy: 0.5, valLoss: 0.64, valAccuracy: 0.62 }]))] },
    { outputs: [stream("{'eval_loss': 1.65, 'eval_accuracy': 0.36, 'epoch': 0.26}\n")] },
    { outputs: [plainDisplay('not a table'), executeResult("{'eval_loss': 1.7,\n 'eval_accuracy': 0.37,\n 'epoch': 0.52}")] },
  ]);
  assert.deepEqual(
    runs.map((run) => run.suffix),
    ['cell-1', 'cell-2', 'cell-3', 'cell-4'],
  );
});

test("an open notebook's output items: printed text and text displays are read, images are not even decoded", () => {
  assert.deepEqual(notebookOutputOf('application/vnd.code.notebook.stdout', "{'loss': 2.0, 'epoch': 1.0}\n"), {
    kind: 'stream',
    mime: 'text/plain',
    stream: 'stdout',
    text: "{'loss': 2.0, 'epoch': 1.0}\n",
  });
  assert.equal(notebookOutputOf('application/vnd.code.notebook.stderr', 'x')?.stream, 'stderr');
  assert.deepEqual(notebookOutputOf('text/html', '<table>'), { kind: 'display', mime: 'text/html', text: '<table>' });
  assert.equal(notebookOutputOf('image/png', 'iVBOR'), undefined);
  assert.deepEqual(
    ['text/html', 'text/plain', 'application/vnd.code.notebook.stdout', 'image/png', 'application/vnd.code.notebook.error'].map(isReadNotebookMime),
    [true, true, true, false, false],
  );
});
