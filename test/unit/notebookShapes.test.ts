import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { notebookRuns, type NotebookOutput, type NotebookRun } from '../../src/core/formats/notebookOutputs';
import { visibleLine } from '../../src/core/formats/notebookStream';
import { accuracyDefinition, assignRoles } from '../../src/core/analysis/metricRoles';
import { hfTableHtml, hfTrackerHtml, kerasFit } from './notebookFiles';

function html(text: string): NotebookOutput {
  return { kind: 'display', mime: 'text/html', text };
}

function plain(text: string): NotebookOutput {
  return { kind: 'display', mime: 'text/plain', text };
}

function out(text: string, stream: 'stdout' | 'stderr' = 'stdout'): NotebookOutput {
  return { kind: 'stream', mime: 'text/plain', stream, text };
}

function runsOf(...cells: (readonly NotebookOutput[])[]): { runs: readonly NotebookRun[]; problems: readonly string[] } {
  return notebookRuns(
    'train.ipynb',
    cells.map((outputs, index) => ({ index, outputs })),
  );
}

function only(...outputs: NotebookOutput[]): NotebookRun {
  const { runs, problems } = runsOf(outputs);
  assert.deepEqual(problems, []);
  assert.equal(runs.length, 1, `one run, not ${runs.length}`);
  return runs[0] as NotebookRun;
}

function series(run: NotebookRun, key: string): [number, number][] {
  return run.points.filter((point) => point.key === key).map((point) => [point.step, point.value]);
}

function keys(run: NotebookRun): string[] {
  return [...new Set(run.points.map((point) => point.key))];
}

test('transformers 4.57 table: its extra Model Preparation Time column is a key too, and the roles are those of a trainer_state.json', () => {
  const columns = ['Step', 'Training Loss', 'Validation Loss', 'Model Preparation Time', 'Accuracy'];
  const run = only(
    html(
      hfTrackerHtml(columns, [
        [20, 1.8, 1.6, 0.01, 0.32],
        [40, 1.6, 1.7, 0.01, 0.34],
      ]),
    ),
  );
  assert.deepEqual(keys(run), ['loss', 'eval_loss', 'eval_model_preparation_time', 'eval_accuracy']);
  assert.deepEqual(assignRoles(keys(run)), { evalLoss: 'eval_loss', evalAccuracy: 'eval_accuracy', trainLoss: 'loss' });
  // A compute_metrics accuracy is whatever the user computed: said to be generic, not token accuracy.
  assert.equal(accuracyDefinition('eval_accuracy'), 'generic-accuracy');
});

test("TRL columns: Mean Token Accuracy is the eval accuracy, with TRL's definition", () => {
  const columns = ['Step', 'Training Loss', 'Validation Loss', 'Accuracy', 'Mean Token Accuracy', 'Entropy', 'Num Tokens'];
  const run = only(html(hfTrackerHtml(columns, [[50, 2.1, 1.9, 0.3, 0.41, 1.1, '51200.000000']])));
  const roles = assignRoles(keys(run));
  assert.equal(roles.evalAccuracy, 'eval_mean_token_accuracy');
  assert.equal(accuracyDefinition('eval_mean_token_accuracy'), 'trl-token-accuracy');
  assert.deepEqual(series(run, 'eval_num_tokens'), [[50, 51200]]);
});

test('"No log" and "No Log" are no value; the rest of the row is read', () => {
  const columns = ['Step', 'Training Loss', 'Validation Loss', 'Accuracy'];
  const run = only(
    html(
      hfTrackerHtml(columns, [
        [5, 'No log', 2.5, 0.1],
        [10, 2.2, 'No Log', 'No Log'],
        [20, 2.0, 2.1, 0.2],
      ]),
    ),
  );
  assert.deepEqual(series(run, 'loss'), [
    [10, 2.2],
    [20, 2.0],
  ]);
  assert.deepEqual(series(run, 'eval_loss'), [
    [5, 2.5],
    [20, 2.1],
  ]);
});

test('a train loss each row repeats until the next log (logging_steps above eval_steps) is read once, at the row that first shows it', () => {
  const run = only(
    html(
      hfTrackerHtml(
        ['Step', 'Training Loss', 'Validation Loss'],
        [
          [50, 'No log', 2.5],
          [100, 'No log', 2.4],
          [150, 2.3, 2.35],
          [200, 2.3, 2.3],
          [250, 2.3, 2.32],
          [300, 2.1, 2.31],
        ],
      ),
    ),
  );
  assert.deepEqual(series(run, 'loss'), [
    [150, 2.3],
    [300, 2.1],
  ]);
  assert.equal(series(run, 'eval_loss').length, 6);
});

test('an Epoch table (evaluation every epoch): x is the epoch, and the run says so', () => {
  const run = only(
    html(
      hfTrackerHtml(
        ['Epoch', 'Training Loss', 'Validation Loss', 'Accuracy'],
        [
          [1, 1.8, 1.6, 0.32],
          [2, 1.6, 1.7, 0.34],
        ],
      ),
    ),
  );
  assert.equal(run.x, 'epoch');
  assert.match(String(run.runInfo.parameters?.['x axis']), /^epoch \(the table has an Epoch column and no Step column/);
  assert.deepEqual(
    run.points.filter((point) => point.key === 'eval_loss').map((point) => [point.step, point.epoch, point.value]),
    [
      [1, 1, 1.6],
      [2, 2, 1.7],
    ],
  );
});

test('transformers 5.x: the table drawn for an evaluation after training (no progress bar, Step third) joins the training before it', () => {
  const columns = ['Step', 'Training Loss', 'Validation Loss', 'Accuracy'];
  const training = hfTrackerHtml(columns, [
    [20, 1.8, 1.6, 0.32],
    [40, 1.6, 1.7, 0.34],
  ]);
  const after = hfTableHtml(['Training Loss', 'Validation Loss', 'Step', 'Accuracy'], [[1.6, 1.9, 40, 0.5]]);
  const run = only(html(training), html(after));
  assert.deepEqual(series(run, 'eval_accuracy'), [
    [20, 0.32],
    [40, 0.34],
    [40, 0.5],
  ]);
  // Alone in its cell it is a run of its own: nothing in the notebook says which training it evaluated.
  const { runs } = runsOf([html(training)], [html(after)]);
  assert.deepEqual(
    runs.map((run) => run.name),
    ['train.ipynb · cell 1', 'train.ipynb · cell 2'],
  );
});

test('the table as plain text: tab-separated, space-aligned, and with a pandas index', () => {
  const tabs = 'Step\tTraining Loss\tValidation Loss\tAccuracy\n10\tNo log\t2.500000\t0.100000\n20\t2.000000\t2.100000\t0.200000\n';
  const spaces =
    ' Step  Training Loss  Validation Loss  Accuracy\n   10         No log         2.500000  0.100000\n   20       2.000000         2.100000  0.200000\n';
  const pandas =
    '   Step  Training Loss  Validation Loss  Accuracy\n0    10         No log         2.500000  0.100000\n1    20       2.000000         2.100000  0.200000';
  for (const text of [tabs, spaces, pandas]) {
    const run = only(plain(text));
    assert.deepEqual(series(run, 'eval_loss'), [
      [10, 2.5],
      [20, 2.1],
    ]);
    assert.deepEqual(series(run, 'loss'), [[20, 2]]);
  }
});

test('an HTML table and its plain twin in one output count once; a returned dict after it (4.x evaluate()) is read', () => {
  const table = { ...html(hfTrackerHtml(['Step', 'Validation Loss'], [[10, 2.5]])), output: 0 };
  const twin = { ...plain('Step\tValidation Loss\n10\t2.5\n'), output: 0 };
  const run = only(table, twin);
  assert.deepEqual(series(run, 'eval_loss'), [[10, 2.5]]);
  const { runs } = runsOf([table, twin, { ...plain("{'eval_loss': 2.6, 'epoch': 3.0}"), output: 1 }]);
  assert.deepEqual(
    runs.map((read) => [read.source, series(read, 'eval_loss')]),
    [
      ['hf-table', [[10, 2.5]]],
      ['hf-dicts', [[3, 2.6]]],
    ],
  );
});

test('a value that is neither a number nor "No log" is a problem naming the cell; the rest is read', () => {
  const { runs, problems } = runsOf([html(hfTableHtml(['Step', 'Validation Loss', 'Accuracy'], [[10, 2.5, '[0.1, 0.2]']]))]);
  assert.equal(runs.length, 1);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^Cell 1: 1 value of the Trainer's table .* is neither a number nor "No log"/);
});

test("tables that are not the Trainer's (a DataFrame of anything else) are not runs", () => {
  const { runs } = runsOf([html(hfTableHtml(['name', 'score'], [['a', 1]]))], [plain('   a  b\n0  1  2')]);
  assert.deepEqual(runs, []);
});

test('Keras fit: colours, backspace and carriage-return redraws removed, the last value of each epoch kept, val_ keys as eval', () => {
  const epochs = [
    { loss: 0.7623, accuracy: 0.5208, valLoss: 0.6405, valAccuracy: 0.625 },
    { loss: 0.61, accuracy: 0.6417, valLoss: 0.6396, valAccuracy: 0.65 },
    { loss: 0.5592, accuracy: 0.7417, valLoss: 0.6489, valAccuracy: 0.68 },
  ];
  const run = only(out(kerasFit(epochs)));
  assert.equal(run.source, 'keras');
  assert.equal(run.x, 'epoch');
  assert.match(String(run.runInfo.parameters?.['x axis']), /Keras prints the epoch/);
  assert.deepEqual(series(run, 'val_loss'), [
    [1, 0.6405],
    [2, 0.6396],
    [3, 0.6489],
  ]);
  assert.deepEqual(series(run, 'accuracy'), [
    [1, 0.5208],
    [2, 0.6417],
    [3, 0.7417],
  ]);
  assert.deepEqual(assignRoles(keys(run)), { evalLoss: 'val_loss', evalAccuracy: 'val_accuracy', trainLoss: 'loss' });
});

test('Keras 2 lines, the bar redrawn with carriage returns, and verbose=2', () => {
  const keras2 =
    'Epoch 1/2\n' +
    '\r 1/32 [..............................] - ETA: 0s - loss: 0.9000 - accuracy: 0.2000' +
    '\r32/32 [==============================] - 1s 20ms/step - loss: 0.4100 - accuracy: 0.8600 - val_loss: 0.5200 - val_accuracy: 0.8100\n' +
    'Epoch 2/2\n32/32 - 1s - loss: 0.3900 - accuracy: 0.8700 - val_loss: 0.5300 - val_accuracy: 0.8200 - 1s/epoch - 20ms/step\n';
  const run = only(out(keras2));
  assert.deepEqual(series(run, 'loss'), [
    [1, 0.41],
    [2, 0.39],
  ]);
  assert.deepEqual(series(run, 'val_accuracy'), [
    [1, 0.81],
    [2, 0.82],
  ]);
});

test('two Keras fits in one cell are two runs', () => {
  const fit = kerasFit([
    { loss: 0.7, accuracy: 0.5, valLoss: 0.64, valAccuracy: 0.62 },
    { loss: 0.6, accuracy: 0.6, valLoss: 0.6, valAccuracy: 0.66 },
  ]);
  const { runs } = runsOf([out(fit + fit)]);
  assert.deepEqual(
    runs.map((run) => [run.suffix, run.name]),
    [
      ['cell-1', 'train.ipynb · cell 1'],
      ['cell-1-2', 'train.ipynb · cell 1 · training 2'],
    ],
  );
});

test('printed HF dicts (4.x numbers, 5.x strings, numpy wrappers, nan): x is the epoch, in printed order', () => {
  const text = [
    "{'loss': 2.0905, 'grad_norm': 1.95, 'learning_rate': 0.0005, 'epoch': 0.26}",
    "{'eval_loss': 1.65, 'eval_accuracy': 0.36, 'eval_runtime': 1.2, 'epoch': 0.26}",
    "{'loss': '1.8', 'grad_norm': 'nan', 'learning_rate': '8e-06', 'epoch': '0.52'}",
    "{'eval_loss': np.float64(1.7), 'eval_accuracy': np.float64(0.41), 'epoch': 0.52}",
    "{'eval_loss': inf, 'eval_accuracy': 0.45, 'epoch': 0.78}",
    "{'train_runtime': 12.5, 'train_samples_per_second': 40.1, 'train_loss': 1.9, 'epoch': 0.78}",
    '',
  ].join('\n');
  const run = only(out(text));
  assert.equal(run.source, 'hf-dicts');
  assert.equal(run.x, 'epoch');
  assert.match(String(run.runInfo.parameters?.['x axis']), /no step, only the epoch/);
  assert.deepEqual(series(run, 'eval_loss'), [
    [0.26, 1.65],
    [0.52, 1.7],
    [0.78, Infinity],
  ]);
  assert.deepEqual(series(run, 'loss'), [
    [0.26, 2.0905],
    [0.52, 1.8],
  ]);
  assert.ok(Number.isNaN(series(run, 'grad_norm')[1]?.[1]));
  assert.deepEqual(
    run.points.filter((point) => point.key === 'eval_accuracy').map((point) => point.epoch),
    [0.26, 0.52, 0.78],
  );
});

test('dicts between tqdm bars on stderr, split across stream outputs, are read whole', () => {
  const run = only(
    out('\r 10%|█         | 6/60 [00:01<00:10, 5.1it/s]', 'stderr'),
    out("{'loss': 2.0, 'epo"),
    out("ch': 0.1}\n"),
    out('\r 20%|██        | 12/60 [00:02<00:09, 5.1it/s]', 'stderr'),
    out("{'eval_loss': 1.9, 'epoch': 0.2}\n"),
  );
  assert.deepEqual(series(run, 'loss'), [[0.1, 2]]);
  assert.deepEqual(series(run, 'eval_loss'), [[0.2, 1.9]]);
});

test('a returned metrics dict (execute_result, pretty-printed over lines) is read', () => {
  const run = only(plain("{'eval_loss': 1.7,\n 'eval_accuracy': 0.37,\n 'eval_runtime': 3.2,\n 'epoch': 3.0}"));
  assert.deepEqual(series(run, 'eval_accuracy'), [[3, 0.37]]);
});

test("a printed dict that is not the Trainer's (a config) is not a run", () => {
  assert.deepEqual(runsOf([out("{'learning_rate': 2e-05, 'batch_size': 8}\n")]).runs, []);
});

test('a dict training re-run in the same cell (the epoch goes back) is a second run', () => {
  const one = "{'loss': 2.0, 'epoch': 1.0}\n{'eval_loss': 1.9, 'epoch': 1.0}\n{'loss': 1.5, 'epoch': 2.0}\n";
  const { runs } = runsOf([out(one + one)]);
  assert.equal(runs.length, 2);
  assert.deepEqual(series(runs[1] as NotebookRun, 'loss'), [
    [1, 2],
    [2, 1.5],
  ]);
});

test('train losses that share a rounded epoch: the last is kept and the user is told', () => {
  const { runs, problems } = runsOf([out("{'loss': 2.0, 'epoch': 0.01}\n{'loss': 1.9, 'epoch': 0.01}\n{'loss': 1.8, 'epoch': 0.02}\n")]);
  assert.equal(runs.length, 1);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^Cell 1: 1 printed train loss was at an epoch that already had one/);
});

test('***** eval metrics ***** blocks: placed at their epoch; what the dict before printed in full is not read again rounded', () => {
  const text = [
    "{'eval_loss': 1.65432, 'eval_accuracy': 0.36123, 'epoch': 3.0}",
    '***** eval metrics *****',
    '  epoch                   =        3.0',
    '  eval_accuracy           =     0.3612',
    '  eval_loss               =     1.6543',
    '  eval_runtime            = 0:00:04.25',
    '  eval_samples            =        200',
    '',
  ].join('\n');
  const run = only(out(text));
  assert.deepEqual(series(run, 'eval_loss'), [[3, 1.65432]]);
  assert.deepEqual(series(run, 'eval_runtime'), [[3, 4.25]]);
  assert.deepEqual(series(run, 'eval_samples'), [[3, 200]]);
  const alone = only(out('***** eval metrics *****\n  epoch = 2.0\n  eval_loss = 1.7\n'));
  assert.deepEqual(series(alone, 'eval_loss'), [[2, 1.7]]);
});

test('several trainings across a notebook: one run each, named by cell, with the cell index', () => {
  const table = hfTrackerHtml(['Step', 'Training Loss', 'Validation Loss'], [[10, 2, 1.9]]);
  const { runs } = notebookRuns('exp.ipynb', [
    { index: 0, outputs: [] },
    { index: 2, outputs: [html(table)] },
    { index: 3, outputs: [html(table), html(table)] },
    { index: 6, outputs: [out("{'loss': 2.0, 'epoch': 1.0}\n")] },
  ]);
  assert.deepEqual(
    runs.map((run) => [run.suffix, run.name, run.cellIndex, run.source]),
    [
      ['cell-3', 'exp.ipynb · cell 3', 2, 'hf-table'],
      ['cell-4', 'exp.ipynb · cell 4', 3, 'hf-table'],
      ['cell-4-2', 'exp.ipynb · cell 4 · training 2', 3, 'hf-table'],
      ['cell-7', 'exp.ipynb · cell 7', 6, 'hf-dicts'],
    ],
  );
});

test('visibleLine: what the screen shows after colours, backspaces and carriage returns', () => {
  assert.equal(visibleLine('abc\b\bd'), 'ad');
  assert.equal(visibleLine('\b\bx'), 'x');
  assert.equal(visibleLine('one\rtwo\r'), 'two');
  assert.equal(visibleLine('\x1b[1m6/6\x1b[0m done'), '6/6 done');
  assert.equal(visibleLine('x'.repeat(100_000) + '\b'.repeat(100_000) + 'y'), 'y');
});

/** Printed text of every kind the reader knows, as one cell's output: dicts, a metrics block, Keras, a second training. */
const PRINTED =
  "{'loss': 2.0905, 'grad_norm': 1.95, 'epoch': 0.26}\n" +
  "{'eval_loss': 1.65, 'eval_accuracy': 0.36, 'epoch': 0.26}\n" +
  "{'loss': '1.8', 'epoch': '0.52'}\n" +
  '***** eval metrics *****\n  epoch = 0.52\n  eval_loss = 1.7\n  eval_samples = 200\n' +
  kerasFit([
    { loss: 0.7, accuracy: 0.5, valLoss: 0.64, valAccuracy: 0.62 },
    { loss: 0.6, accuracy: 0.6, valLoss: 0.65, valAccuracy: 0.66 },
  ]) +
  "{'loss': 2.5, 'epoch': 0.1}\n{'eval_loss': 2.4, 'epoch': 0.1}\n";

function pointSet(run: NotebookRun): string[] {
  return run.points.map((point) => `${point.key}@${point.step}=${point.value}`);
}

test('printed text split anywhere into stream pieces reads as in one piece', () => {
  const whole = runsOf([out(PRINTED)]).runs;
  assert.equal(whole.length, 3);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: PRINTED.length - 1 }), { maxLength: 12 }), (cuts) => {
      const edges = [0, ...cuts.sort((a, b) => a - b), PRINTED.length];
      const pieces = edges.slice(1).map((end, i) => out(PRINTED.slice(edges[i], end)));
      const split = runsOf(pieces).runs;
      assert.deepEqual(
        split.map((run) => [run.suffix, pointSet(run)]),
        whole.map((run) => [run.suffix, pointSet(run)]),
      );
    }),
    { numRuns: 200 },
  );
});

test('printed text as a running cell shows it (any prefix): every value read is one the finished output holds, at the same run', () => {
  const whole = runsOf([out(PRINTED)]).runs;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: PRINTED.length }), (end) => {
      for (const run of runsOf([out(PRINTED.slice(0, end))]).runs) {
        const full = whole.find((candidate) => candidate.suffix === run.suffix);
        assert.ok(full !== undefined, `prefix of ${end}: ${run.suffix}`);
        const finished = pointSet(full);
        for (const point of pointSet(run)) assert.ok(finished.includes(point), `prefix of ${end}: ${point} in ${run.suffix}`);
      }
    }),
    { numRuns: 300 },
  );
});
