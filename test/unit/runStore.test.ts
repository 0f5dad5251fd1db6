import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';

const state = { path: '/run/trainer_state.json', format: 'hf-trainer-state' as const };
const checkpoint = { path: '/run/checkpoint-10/trainer_state.json', format: 'hf-trainer-state' as const };

test('sources of one run merge by key and step without counting a point twice', () => {
  const store = new RunStore();
  store.addPoints('/run', checkpoint, [{ key: 'loss', step: 10, value: 2 }]);
  store.addPoints('/run', state, [
    { key: 'loss', step: 10, value: 2 },
    { key: 'loss', step: 20, value: 1.5 },
    { key: 'loss', step: 5, value: 3 },
  ]);
  const run = store.snapshot('/run');
  assert.deepEqual(run?.metrics.get('loss'), { steps: [5, 10, 20], values: [3, 2, 1.5] });
  assert.deepEqual(
    run?.sources.map((s) => s.path),
    [checkpoint.path, state.path],
  );
});

test('the last value written for a step wins (the duplicate final eval)', () => {
  const store = new RunStore();
  store.addPoints('/run', state, [
    { key: 'eval_loss', step: 20, value: 1 },
    { key: 'eval_loss', step: 20, value: 0.9 },
  ]);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('eval_loss')?.values, [0.9]);
});

test('replacing a source drops only what that source no longer holds', () => {
  const store = new RunStore();
  store.addPoints('/run', checkpoint, [{ key: 'loss', step: 10, value: 2 }]);
  store.addPoints('/run', state, [
    { key: 'loss', step: 20, value: 1.5 },
    { key: 'loss', step: 30, value: 1.2 },
  ]);
  assert.equal(store.replaceSource('/run', state, [{ key: 'loss', step: 20, value: 1.4 }]), true);
  assert.deepEqual(store.snapshot('/run')?.metrics.get('loss'), { steps: [10, 20], values: [2, 1.4] });
  assert.equal(store.replaceSource('/run', state, [{ key: 'loss', step: 20, value: 1.4 }]), false, 'same content is no change');
});

test('adding known points reports no change; NaN equals NaN', () => {
  const store = new RunStore();
  assert.equal(store.addPoints('/r', state, [{ key: 'x', step: 1, value: Number.NaN }]), true);
  assert.equal(store.addPoints('/r', state, [{ key: 'x', step: 1, value: Number.NaN }]), false);
});
