import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { analyzeRun } from '../../src/core/analysis/runAnalysis';
import { gradNormKey } from '../../src/core/analysis/metricRoles';
import type { MetricPoint } from '../../src/core/types';
import { evalRun, valley } from './warningFixtures';

function runOf(points: MetricPoint[]) {
  const store = new RunStore();
  store.addPoints('/run', { path: '/run/trainer_state.json', format: 'hf-trainer-state' }, points);
  const run = store.snapshot('/run');
  assert.ok(run);
  return run;
}

test('analyzeRun runs every rule: a NaN grad norm and overfitting with a falling train loss', () => {
  const evals = evalRun(12, valley(3), (k) => 0.5 - 0.008 * Math.max(0, k - 3));
  const points: MetricPoint[] = [];
  evals.steps.forEach((step, k) => {
    points.push({ key: 'eval_loss', step, value: evals.loss[k] as number }, { key: 'eval_accuracy', step, value: evals.accuracy[k] as number });
    for (let j = 0; j < 5; j++) points.push({ key: 'loss', step: step - 80 + 20 * j, value: 2 - 0.01 * (5 * k + j) });
  });
  points.push({ key: 'grad_norm', step: 620, value: Number.NaN });
  const warnings = analyzeRun(runOf(points)).warnings;
  assert.deepEqual(
    warnings.map((warning) => `${warning.kind}/${warning.form}`),
    ['instability/non-finite', 'overfitting/train-loss-falling'],
  );
  assert.match(warnings[0]?.message ?? '', /grad_norm is NaN at step 620/);
  assert.equal(warnings[1]?.startStep, 400);
});

test('a run with only a loss curve gets the loss rules and nothing that needs accuracy', () => {
  const points: MetricPoint[] = [];
  for (let k = 0; k < 15; k++) points.push({ key: 'eval_loss', step: (k + 1) * 100, value: k < 6 ? 3 - 0.2 * k : 2 + 0.0001 * (k % 2) });
  const warnings = analyzeRun(runOf(points)).warnings;
  assert.deepEqual(
    warnings.map((warning) => `${warning.kind}/${warning.form}`),
    ['plateau/loss-plateau'],
  );
});

test('the gradient norm is found under the names trainers log it with', () => {
  assert.equal(gradNormKey(['loss', 'grad_norm']), 'grad_norm');
  assert.equal(gradNormKey(['train/grad_norm', 'eval/loss']), 'train/grad_norm');
  assert.equal(gradNormKey(['loss', 'eval_loss']), null);
});
