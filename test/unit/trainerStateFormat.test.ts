import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseTrainerState } from '../../src/core/formats/trainerStateFormat';
import { byKey, sampleFiles, samplesSkipReason, trainerStateText } from './helpers';

const history = [
  { epoch: 0.5, grad_norm: 1.2, learning_rate: 0.0001, loss: 2.5, step: 10 },
  { epoch: 0.5, eval_loss: 2.1, eval_mean_token_accuracy: 0.41, eval_runtime: 1.5, step: 10 },
  { epoch: 1, grad_norm: '__NaN__', loss: 2.0, step: 20 },
  { epoch: 1, eval_loss: 2.3, eval_mean_token_accuracy: 0.45, eval_thresholds: [0.5, 0.2], step: 20 },
  { epoch: 1, eval_loss: 2.3, eval_mean_token_accuracy: 0.45, step: 20 },
  { epoch: 1, step: 20, total_flos: 123, train_loss: 2.2, train_runtime: 50 },
];

test('reads every numeric metric of log_history, keyed as written', () => {
  const result = parseTrainerState(trainerStateText(history));
  assert.equal(result.kind, 'ok');
  if (result.kind !== 'ok') return;
  assert.deepEqual(byKey(result.points, 'loss'), [
    [10, 2.5],
    [20, 2.0],
  ]);
  assert.deepEqual(byKey(result.points, 'eval_mean_token_accuracy'), [
    [10, 0.41],
    [20, 0.45],
    [20, 0.45],
  ]);
  assert.deepEqual(byKey(result.points, 'eval_thresholds'), [], 'list-valued metrics are skipped');
  assert.ok(Number.isNaN(byKey(result.points, 'grad_norm')[1]?.[1] as number), 'bare NaN is kept as NaN');
  assert.equal(result.points.find((p) => p.key === 'loss')?.epoch, 0.5);
});

test('eval_<name>_ prefixed keys are kept as written', () => {
  const result = parseTrainerState(trainerStateText([{ eval_validation_loss: 1.5, eval_validation_accuracy: 0.5, step: 5 }]));
  assert.equal(result.kind, 'ok');
  if (result.kind === 'ok') assert.deepEqual(result.points.map((p) => p.key).sort(), ['eval_validation_accuracy', 'eval_validation_loss']);
});

test('a file cut at any byte is incomplete, never an error and never fewer points', () => {
  const text = trainerStateText(history);
  for (let cut = 0; cut < text.length - 2; cut++) {
    const result = parseTrainerState(text.slice(0, cut));
    assert.equal(result.kind, 'incomplete', `cut at ${cut}`);
  }
});

test('a Git LFS pointer is a clear problem', () => {
  const result = parseTrainerState('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1234\n');
  assert.equal(result.kind, 'invalid');
  if (result.kind === 'invalid') assert.match(result.message, /Git LFS pointer/);
});

test('JSON that is not a trainer state is invalid', () => {
  assert.equal(parseTrainerState('{"foo": 1}').kind, 'invalid');
  assert.equal(parseTrainerState('[1,2]').kind, 'invalid');
});

const realStates = sampleFiles('trainer_state', 'trainer_state.json');
test('real trainer_state.json files from public repositories parse', { skip: samplesSkipReason('trainer_state') }, () => {
  assert.ok(realStates.length > 0);
  for (const file of realStates) {
    const text = readFileSync(file, 'utf8');
    const result = parseTrainerState(text);
    assert.equal(result.kind, 'ok', file);
    if (result.kind !== 'ok') continue;
    const entries = (JSON.parse(text) as { log_history: unknown[] }).log_history.length;
    assert.ok(result.points.length >= entries - 1, `${file}: ${result.points.length} points from ${entries} entries`);
  }
});

test('real LFS pointer sample is reported as such', { skip: samplesSkipReason('trainer_state') }, () => {
  for (const file of sampleFiles('trainer_state', '.LFS_POINTER')) {
    const result = parseTrainerState(readFileSync(file, 'utf8'));
    assert.equal(result.kind, 'invalid');
  }
});
