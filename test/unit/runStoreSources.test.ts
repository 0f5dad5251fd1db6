import assert from 'node:assert/strict';
import test from 'node:test';
import { RunStore } from '../../src/core/runStore';

test('an approximate source (float32 copies) never wins a (key, step) an exact source holds, however fresh it is', () => {
  const store = new RunStore();
  store.addPoints('/out', { path: '/out/trainer_state.json', format: 'hf-trainer-state' }, [{ key: 'loss', step: 10, value: 1.9963 }]);
  store.addPoints('/out', { path: '/out/runs/x/events', format: 'tfevents', approximate: true }, [
    { key: 'loss', step: 10, value: Math.fround(1.9963) },
    { key: 'loss', step: 20, value: Math.fround(1.5), wallTime: 7 },
  ]);
  assert.deepEqual(store.snapshot('/out')?.metrics.get('loss'), { steps: [10, 20], values: [1.9963, Math.fround(1.5)] });
  // Written again later, the exact source still wins; between exact sources the freshest does.
  store.addPoints('/out', { path: '/out/runs/x/events', format: 'tfevents', approximate: true }, [{ key: 'loss', step: 10, value: 3 }]);
  assert.equal(store.snapshot('/out')?.metrics.get('loss')?.values[0], 1.9963);
  store.addPoints('/out', { path: '/out/checkpoint-10/trainer_state.json', format: 'hf-trainer-state' }, [{ key: 'loss', step: 10, value: 1.99 }]);
  assert.equal(store.snapshot('/out')?.metrics.get('loss')?.values[0], 1.99);
});

test('removing a source drops its points; a run left with none is gone', () => {
  const store = new RunStore();
  store.addPoints('/a', { path: '/a/x.jsonl', format: 'jsonl' }, [{ key: 'loss', step: 1, value: 2 }]);
  store.addPoints('/a', { path: '/a/y.log', format: 'console' }, [{ key: 'loss', step: 2, value: 1 }]);
  assert.equal(store.removeSource('/a', '/a/y.log'), true);
  assert.deepEqual(store.snapshot('/a')?.metrics.get('loss'), { steps: [1], values: [2] });
  assert.equal(store.removeSource('/a', '/a/y.log'), false);
  assert.equal(store.removeSource('/a', '/a/x.jsonl'), true);
  assert.deepEqual(store.runIds(), []);
});
