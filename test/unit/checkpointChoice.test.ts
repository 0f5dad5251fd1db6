import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointChoice, checkpointDescription } from '../../src/core/checkpointChoice';
import { buildRunView, type RunView } from '../../src/core/runView';
import { RunStore } from '../../src/core/runStore';

const steps = [64, 128, 192, 256, 320];
const loss = [1.2, 1.0, 1.05, 1.1, 1.2];
const accuracy = [0.5, 0.55, 0.6, 0.65, 0.62];

function view(id: string, checkpoints: readonly number[]): RunView {
  const store = new RunStore();
  const points = steps.flatMap((step, i) => [
    { key: 'eval_loss', step, value: loss[i] as number },
    { key: 'eval_mean_token_accuracy', step, value: accuracy[i] as number },
  ]);
  store.addPoints(id, { path: `${id}/trainer_state.json`, format: 'hf-trainer-state', approximate: false }, points);
  const snapshot = store.snapshot(id);
  assert.ok(snapshot);
  return buildRunView(snapshot, id, {}, null, checkpoints);
}

test('the checkpoint to keep: the best by accuracy when on disk, else the best evaluated one left', () => {
  assert.equal(view('/w/a', [128, 256, 320]).checkpointToKeep, 256);
  assert.equal(view('/w/a', [128, 320]).checkpointToKeep, 320);
  assert.equal(view('/w/a', []).checkpointToKeep, null);
  assert.equal(checkpointDescription(view('/w/a', [128, 256]), 256), 'checkpoint-256, the best by eval accuracy');
  assert.equal(
    checkpointDescription(view('/w/a', [128, 320]), 320),
    'checkpoint-320, the best by eval accuracy left on disk (checkpoint-256, the best of all, has no folder)',
  );
});

test('which run a checkpoint command acts on: the target, the active run, the only one, else ask', () => {
  const a = view('/w/a', [128, 320]);
  const b = view('/w/b', [256]);
  const none = view('/w/c', []);
  assert.deepEqual(checkpointChoice([a, b, none], '/w/b', '/w/a'), { kind: 'run', run: b, step: 256 });
  assert.deepEqual(checkpointChoice([a, b, none], undefined, '/w/a'), { kind: 'run', run: a, step: 320 });
  assert.deepEqual(checkpointChoice([a, none], undefined, '/w/c'), { kind: 'run', run: a, step: 320 });
  assert.deepEqual(checkpointChoice([a, b, none], undefined, '/w/c'), { kind: 'ask', runs: [a, b] });
  assert.deepEqual(checkpointChoice([none], undefined, undefined), { kind: 'none', reason: 'No run has an evaluated checkpoint-N folder on disk.' });
  assert.deepEqual(checkpointChoice([a, none], '/w/c', undefined), { kind: 'none', reason: '/w/c has no evaluated checkpoint-N folder on disk.' });
});
