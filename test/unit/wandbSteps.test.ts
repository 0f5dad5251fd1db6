import assert from 'node:assert/strict';
import test from 'node:test';
import { WANDB_HISTORY_FORMAT, wandbHistoryFrom } from '../../src/core/formats/wandbHistoryFormat';
import { pointTuples, readInChunks, readWhole } from './formatHarness';
import { exitRecord, historyRecord, nestedSummaryRecord, runRecord, summaryRecord, wandbFile } from './wandbWriter';

/**
 * W&B's golden transaction logs (wandb's core/internal/transactionlogtest/golden_test.go), written again with
 * this project's writer, and the steps W&B's sender gives their rows when it syncs them
 * (core/internal/stream/golden_sync_compat_test.go). "old_" logs are from SDKs that wrote each row's step;
 * "new_" ones leave the step out of rows logged without one.
 */
const GOLDEN: ReadonlyArray<{ name: string; records: Uint8Array[]; steps: number[] }> = [
  {
    name: 'old_auto_steps',
    records: [
      runRecord('', {}),
      summaryRecord({ _step: 0 }),
      historyRecord({ x: 0, _step: 0 }, 0),
      summaryRecord({ _step: 1 }),
      historyRecord({ x: 1, _step: 1 }, 1),
      summaryRecord({ _step: 2 }),
      historyRecord({ x: 2, _step: 2 }, 2),
      exitRecord(),
    ],
    steps: [0, 1, 2],
  },
  {
    name: 'old_explicit_steps',
    records: [
      runRecord('', {}),
      historyRecord({ x: 0, _step: 0 }, 0),
      historyRecord({ x: 1, _step: 5 }, 5),
      historyRecord({ x: 2, _step: 10 }, 10),
      exitRecord(),
    ],
    steps: [0, 5, 10],
  },
  {
    name: 'old_resumed_run',
    records: [
      runRecord('', {}, { startingStep: 5 }),
      historyRecord({ x: 0, _step: 5 }, 5),
      historyRecord({ x: 1, _step: 6 }, 6),
      historyRecord({ x: 2, _step: 7 }, 7),
      exitRecord(),
    ],
    steps: [5, 6, 7],
  },
  {
    name: 'old_bad_step_types',
    records: [
      runRecord('', {}),
      ...['RAW:"5"', 'RAW:5.5', 'RAW:null', 'RAW:true', 'RAW:{"a":1}', 'RAW:[1]'].map((step, i) => historyRecord({ x: i, _step: step }, undefined)),
      exitRecord(),
    ],
    steps: [0, 1, 2, 3, 4, 5],
  },
  {
    name: 'old_shared_mode',
    records: [runRecord('', {}), historyRecord({ x: 0 }, undefined), historyRecord({ x: 1 }, undefined), exitRecord()],
    steps: [0, 1],
  },
  {
    name: 'new_auto_steps',
    records: [
      runRecord('', {}),
      historyRecord({ x: 0 }, undefined),
      historyRecord({ x: 1 }, undefined),
      historyRecord({ x: 2 }, undefined),
      summaryRecord({ x: 2 }),
      exitRecord(),
    ],
    steps: [0, 1, 2],
  },
  {
    name: 'new_explicit_steps',
    records: [
      runRecord('', {}),
      summaryRecord({ _step: 0 }),
      historyRecord({ x: 0 }, 0),
      summaryRecord({ _step: 5 }),
      historyRecord({ x: 1 }, 5),
      summaryRecord({ _step: 10 }),
      historyRecord({ x: 2 }, 10),
      exitRecord(),
    ],
    steps: [0, 5, 10],
  },
];

for (const golden of GOLDEN) {
  test(`W&B golden log ${golden.name}: rows at the steps W&B's sender gives them, none lost`, () => {
    const { points, problems } = readWhole(WANDB_HISTORY_FORMAT, wandbFile(golden.records).bytes);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      pointTuples(points.filter((point) => point.key === 'x')),
      golden.steps.map((step, i) => ['x', step, i]),
    );
    assert.deepEqual(pointTuples(readInChunks(WANDB_HISTORY_FORMAT, wandbFile(golden.records).bytes, [1, 5, 13]).points), pointTuples(points));
  });
}

test('W&B: a row without a step goes on from the last step a row carried, and a step behind is moved up as W&B does', () => {
  const records = [
    runRecord('', {}),
    historyRecord({ x: 0 }, 3),
    historyRecord({ x: 1 }, undefined),
    historyRecord({ x: 2 }, 2),
    historyRecord({ x: 3 }, undefined),
    exitRecord(),
  ];
  assert.deepEqual(pointTuples(readWhole(WANDB_HISTORY_FORMAT, wandbFile(records).bytes).points), [
    ['x', 3, 0],
    ['x', 4, 1],
    ['x', 5, 2],
    ['x', 6, 3],
  ]);
});

test('W&B new_resume_mode: a resumed run whose rows carry no step is numbered from 0 and says the server knows where it went on', () => {
  const records = [
    runRecord('', {}, { resume: true }),
    historyRecord({ x: 0 }, undefined),
    historyRecord({ x: 1 }, undefined),
    historyRecord({ x: 2 }, undefined),
    exitRecord(),
  ];
  const { points, problems } = readWhole(WANDB_HISTORY_FORMAT, wandbFile(records).bytes);
  assert.deepEqual(pointTuples(points), [
    ['x', 0, 0],
    ['x', 1, 1],
    ['x', 2, 2],
  ]);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /resumed an earlier one.*numbered from 0/);
  // Said with every read, so a live file's next append does not clear it.
  const bytes = wandbFile(records).bytes;
  const first = WANDB_HISTORY_FORMAT.readChunk(WANDB_HISTORY_FORMAT.initialCursor, bytes.subarray(0, bytes.length - 3), 'run.wandb');
  assert.equal(WANDB_HISTORY_FORMAT.readChunk(first.cursor, bytes.subarray(bytes.length - 3), 'run.wandb').problems.length, 1);
  // With the run's earlier folders read, where its rows go on is known: no problem, rows from there.
  const placed = readWhole(wandbHistoryFrom(5), wandbFile(records).bytes);
  assert.deepEqual(placed.problems, []);
  assert.deepEqual(
    pointTuples(placed.points).map(([, step]) => step),
    [5, 6, 7],
  );
});

test('W&B internal keys are not metrics: _wandb.runtime in every summary, _runtime and _step; _timestamp is the wall time', () => {
  // As wandb 0.30 writes a row: its run-time summary, the summary the row updates, then the row.
  const records = [
    runRecord('', {}),
    nestedSummaryRecord(['_wandb', 'runtime'], 0),
    summaryRecord({ _runtime: 0 }),
    summaryRecord({ _step: 0, loss: 2, _timestamp: 1796230371.95, _runtime: 0.02 }),
    historyRecord({ loss: 2, _timestamp: 1796230371.95, _runtime: 0.02, _step: 0 }, 0),
    nestedSummaryRecord(['_wandb', 'runtime'], 1),
    exitRecord(),
  ];
  const { points } = readWhole(WANDB_HISTORY_FORMAT, wandbFile(records).bytes);
  assert.deepEqual(points, [{ key: 'loss', step: 0, value: 2, wallTime: 1796230371.95 }]);
});

test("W&B: a key whose first value reaches the summary before its row is one point at the row's step; a value set only in the summary stays", () => {
  const records = [
    runRecord('', {}),
    summaryRecord({ _step: 0, loss: 2 }),
    historyRecord({ loss: 2, _step: 0 }, 0),
    // run.log({"x": 1}, step=10) then run.log({"x": 2}): the summary that names x comes before its row.
    summaryRecord({ _step: 10, x: 2 }),
    historyRecord({ x: 2, _step: 10 }, 10),
    summaryRecord({ best_loss: 1.5 }),
    historyRecord({ loss: 1.9 }, undefined),
    exitRecord(),
  ];
  assert.deepEqual(pointTuples(readWhole(WANDB_HISTORY_FORMAT, wandbFile(records).bytes).points), [
    ['loss', 0, 2],
    ['x', 10, 2],
    ['best_loss', 10, 1.5],
    ['loss', 11, 1.9],
  ]);
});
