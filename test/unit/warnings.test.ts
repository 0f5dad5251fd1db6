import { test } from 'node:test';
import assert from 'node:assert/strict';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { checkpointDisagreement } from '../../src/core/analysis/checkpointDisagreement';
import type { EvalPoints } from '../../src/core/analysis/evalPoints';

/** Deterministic noise, so that a failing case can be replayed. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32 - 0.5;
  };
}

function run(n: number, loss: (k: number) => number, accuracy: (k: number) => number, seed = 1, lossNoise = 0.01, accuracyNoise = 0.002): EvalPoints {
  const next = noise(seed);
  const steps = Array.from({ length: n }, (_, k) => (k + 1) * 100);
  return { steps, loss: steps.map((_, k) => loss(k) + lossNoise * next()), accuracy: steps.map((_, k) => accuracy(k) + accuracyNoise * next()) };
}

const valley = (bottom: number) => (k: number) => 2 + 0.05 * (k - bottom) ** 2;

test('(a) rising form: loss turns up while token accuracy keeps rising', () => {
  const points = run(12, valley(3), (k) => 0.4 + 0.01 * k);
  const warning = misleadingLoss(points);
  assert.equal(warning?.kind, 'misleading-loss');
  assert.equal(warning?.confidence, 'high');
  assert.match(warning?.message ?? '', /Eval loss is up \d+% since step 400, but token accuracy is up \d+\.\d points/);
});

test('(a) holding form: loss up, accuracy flat', () => {
  const points = run(12, valley(3), () => 0.48, 2, 0.01, 0.001);
  const warning = misleadingLoss(points);
  assert.equal(warning?.kind, 'misleading-loss');
  assert.equal(warning?.confidence, 'medium');
  assert.match(warning?.message ?? '', /yet token accuracy has not fallen \(48\.\d% → 48\.\d%\)/);
});

test('(a) stays silent when accuracy falls with the loss (genuine overfitting)', () => {
  assert.equal(misleadingLoss(run(12, valley(3), (k) => 0.5 - 0.01 * Math.max(0, k - 3))), undefined);
});

test('(a) stays silent on a falling loss and on too few points after the minimum', () => {
  assert.equal(misleadingLoss(run(12, (k) => 3 - 0.1 * k, (k) => 0.4 + 0.01 * k)), undefined);
  assert.equal(misleadingLoss(run(6, valley(3), (k) => 0.4 + 0.01 * k)), undefined);
});

test('(a) false alarms on noise alone are rare', () => {
  let alarms = 0;
  for (let seed = 1; seed <= 200; seed++) if (misleadingLoss(run(12, () => 2, () => 0.5, seed, 0.05, 0.01)) !== undefined) alarms++;
  assert.ok(alarms <= 6, `${alarms} false warnings in 200 flat noisy runs`);
});

test('(e) names the checkpoint a loss-based configuration would load', () => {
  const warning = checkpointDisagreement(run(10, valley(2), (k) => 0.4 + 0.01 * k));
  assert.equal(warning?.kind, 'checkpoint-disagreement');
  assert.equal(warning?.step, 1000);
  assert.match(warning?.message ?? '', /best checkpoint by eval loss \(step 300\) is not the best by token accuracy \(step 1000\)/);
});

test('(e) is silent when the difference is within noise or the picks agree', () => {
  assert.equal(checkpointDisagreement(run(10, (k) => 3 - 0.1 * k, (k) => 0.4 + 0.01 * k)), undefined);
  assert.equal(checkpointDisagreement(run(10, valley(2), () => 0.5, 3, 0.01, 0.001)), undefined);
  assert.equal(checkpointDisagreement({ steps: [1, 2], loss: [1, 2], accuracy: [0.1, 0.9] }), undefined, 'needs 3 points');
});
