import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { FinalValuesPlacement } from '../../src/node/finalValuesPlacement';

const RESULTS = { path: '/run/all_results.json', format: 'hf-results' };
const LOG = { path: '/run/log.jsonl', format: 'jsonl' };

test("a results file's final values sit at the run's last step, and move when another file takes the run further", () => {
  const store = new RunStore();
  const placement = new FinalValuesPlacement(store);
  assert.equal(placement.add('/run', LOG, [{ step: 10, key: 'loss', value: 2 }], false), true);
  assert.equal(placement.add('/run', RESULTS, [{ step: 0, key: 'eval_accuracy', value: 0.7 }], true), true);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [10], values: [0.7] });
  assert.equal(placement.add('/run', LOG, [{ step: 25, key: 'loss', value: 1 }], false), true);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [25], values: [0.7] });
});

test('final values read before any step wait at step 0 and follow the first steps; other runs leave them alone', () => {
  const store = new RunStore();
  const placement = new FinalValuesPlacement(store);
  placement.add('/run', RESULTS, [{ step: 0, key: 'eval_accuracy', value: 0.7 }], true);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [0], values: [0.7] });
  placement.add('/other', { path: '/other/log.jsonl', format: 'jsonl' }, [{ step: 50, key: 'loss', value: 1 }], false);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [0], values: [0.7] });
  placement.add('/run', LOG, [{ step: 5, key: 'loss', value: 1 }], false);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [5], values: [0.7] });
});

test('points that take the run no further leave the final values where they are, and a replacing read replaces', () => {
  const store = new RunStore();
  const placement = new FinalValuesPlacement(store);
  placement.add('/run', LOG, [{ step: 10, key: 'loss', value: 2 }], false);
  placement.add('/run', RESULTS, [{ step: 0, key: 'eval_accuracy', value: 0.7 }], true);
  placement.add('/run', LOG, [{ step: 3, key: 'loss', value: 4 }], true);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('loss'), { steps: [3], values: [4] });
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_accuracy'), { steps: [10], values: [0.7] });
});
