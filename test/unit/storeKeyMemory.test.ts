import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EMPTY_JSONL_CURSOR, readJsonlColumns } from '../../src/core/formats/jsonlFormat';
import { RunStore } from '../../src/core/runStore';
import { LIGHTNING_CSV_FORMAT } from '../../src/core/formats/lightningCsvFormat';

test("the store's metric names do not keep the text they were read from alive", () => {
  // A name is kept as long as its run: as a slice of a chunk's text (any of 13 characters or more), it kept
  // the whole text (256 KiB a run in the extension, most of its heap with 1,000 runs).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const runs = 60;
  const lines = 8000;
  const text = Array.from({ length: lines }, (_, i) => `{"step": ${i + 1}, "learning_rate_of_group_0": ${(i / lines).toFixed(6)}}\n`).join('');
  const bytes = new TextEncoder().encode(text);
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new RunStore();
  for (let run = 0; run < runs; run++) {
    const source = { path: `/run-${run}/metrics.jsonl`, format: 'jsonl' as const };
    // Columns from the in-place JSONL reader, and points named by a slice of a long text as other readers cut them.
    store.addPoints(`/run-${run}`, source, readJsonlColumns(EMPTY_JSONL_CURSOR, bytes).columns);
    const chunk = `${run} `.repeat(100_000) + 'eval_accuracy_of_group_0';
    store.addPoints(`/run-${run}`, source, [{ key: chunk.slice(-24), step: 1, value: 0.5 }]);
    store.settle(`/run-${run}`);
  }
  gc();
  const held = process.memoryUsage().heapUsed - before;
  const run = store.snapshot('/run-59');
  assert.deepEqual([...(run?.metrics.keys() ?? [])], ['eval_accuracy_of_group_0', 'learning_rate_of_group_0']);
  assert.equal(run?.metrics.get('learning_rate_of_group_0')?.steps.length, lines);
  // Each run's texts are 0.4 and 0.4 MB: sixty runs holding them would be 48 MB; their points (one steps array
  // shared) 3.8 MB of values and 64 kB of steps.
  assert.ok(held < 8e6, `${(held / 1e6).toFixed(1)} MB held by the store`);
});

test("a Lightning CSV cursor's header does not keep the chunk it was read from alive", () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const header = 'epoch,step,train_loss_step,train_loss_epoch,val_loss_epoch\n';
  const rows = Array.from({ length: 8000 }, (_, i) => `0,${i},${(1 / (i + 1)).toFixed(6)},,\n`).join('');
  const bytes = new TextEncoder().encode(header + rows);
  gc();
  const before = process.memoryUsage().heapUsed;
  const cursors = Array.from(
    { length: 60 },
    () => LIGHTNING_CSV_FORMAT.readChunk(LIGHTNING_CSV_FORMAT.initialCursor, bytes, '/run/version_0/metrics.csv').cursor,
  );
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.deepEqual(cursors[59]?.columns, ['epoch', 'step', 'train_loss_step', 'train_loss_epoch', 'val_loss_epoch']);
  // Each chunk's text is 0.2 MB: sixty held would be 12 MB.
  assert.ok(held < 3e6, `${(held / 1e6).toFixed(1)} MB held by the cursors`);
});
