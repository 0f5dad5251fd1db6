import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointList, checkpointStep, checkpointSteps, checkpointToKeep, missingBest } from '../../src/core/checkpoints';
import { checkpointDisagreement } from '../../src/core/analysis/checkpointDisagreement';
import { evalPoints } from './warningFixtures';

// Ten evaluations every 64 steps, as an SFTTrainer run with eval_steps=save_steps=64: the loss bottoms out
// at step 192 and rises, the token accuracy climbs to step 512 and dips after it.
const steps = [64, 128, 192, 256, 320, 384, 448, 512, 576, 640];
const loss = [1.2, 1.05, 1.0, 1.02, 1.06, 1.1, 1.15, 1.2, 1.26, 1.3];
const accuracy = [0.5, 0.55, 0.57, 0.6, 0.62, 0.64, 0.66, 0.68, 0.67, 0.665];
const points = evalPoints(steps, loss, accuracy);

test('checkpoint folder names: only checkpoint-<digits>, steps ascending and once', () => {
  assert.equal(checkpointStep('checkpoint-496'), 496);
  assert.equal(checkpointStep('checkpoint-'), undefined);
  assert.equal(checkpointStep('checkpoint-4a'), undefined);
  assert.equal(checkpointStep('runs'), undefined);
  assert.deepEqual(checkpointSteps(['checkpoint-640', 'runs', 'checkpoint-192', 'checkpoint-64', 'trainer_state.json']), [64, 192, 640]);
  assert.equal(checkpointList([64, 128]), 'checkpoint-64, checkpoint-128');
  assert.equal(checkpointList(steps), 'checkpoint-64, checkpoint-128, checkpoint-192, …, checkpoint-576, checkpoint-640');
});

test('save_total_limit=2 with the best kept by loss: the best by accuracy is gone, the best left is named', () => {
  const missing = missingBest(points, [192, 640]);
  assert.deepEqual(missing, { missingStep: 512, onDisk: [192, 640], bestSurviving: { step: 640, accuracy: 0.665 }, lossStep: 192, lossStepOnDisk: true });
  assert.equal(checkpointToKeep(points, [192, 640]), 640);
});

test('nothing is claimed when the listing cannot show a deletion or the best is there', () => {
  assert.equal(missingBest(points, []), undefined, 'no checkpoint folder at all says nothing about a deletion');
  assert.equal(checkpointToKeep(points, []), undefined);
  assert.equal(missingBest(points, [192, 512, 640]), undefined);
  assert.equal(checkpointToKeep(points, [192, 512, 640]), 512);
});

test('checkpoints left that were never evaluated: none is named as the best left', () => {
  const missing = missingBest(points, [600, 700]);
  assert.equal(missing?.bestSurviving, null);
  assert.equal(missing?.lossStepOnDisk, false);
  assert.equal(checkpointToKeep(points, [600, 700]), undefined);
});

test('warning (e) says the best-by-accuracy checkpoint has no folder and names the best one left', () => {
  const before = checkpointDisagreement(points);
  assert.ok(before);
  assert.doesNotMatch(before.message, /folder/);
  const after = checkpointDisagreement(points, [192, 640]);
  assert.ok(after);
  assert.ok(after.message.startsWith(before.message), 'the finding itself is unchanged');
  assert.match(
    after.message,
    /There is no checkpoint-512 folder on disk \(deleted, as a save_total_limit does, or never saved\): of the 2 checkpoint folders left \(checkpoint-192, checkpoint-640\), the best by token accuracy is checkpoint-640 \(66\.5%\); the best by loss, checkpoint-192 \(what keeping the best by loss loads\), is one of them\.$/,
  );
  assert.equal(after.evidence.survivingAccuracyStep, 640);
  assert.equal(after.evidence.checkpointsOnDisk, 2);
  assert.equal(checkpointDisagreement(points, [192, 512, 640])?.message, before.message, 'the best on disk: nothing to add');
  assert.match(
    checkpointDisagreement(points, [700])?.message ?? '',
    /of the one checkpoint folder left \(checkpoint-700\), none was evaluated; the best by loss, checkpoint-192 .* is not there either\.$/,
  );
});
