import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overfitting, trainLossAtEvals } from '../../src/core/analysis/overfitting';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { evalRun, seriesOf, valley } from './warningFixtures';

const falling = (k: number) => 0.5 - 0.008 * Math.max(0, k - 3);
/** Train logs every 10 steps, falling steadily, so that each eval (every 100 steps) averages ten of them. */
const trainFalling = seriesOf(120, (k) => 2 - 0.01 * k, 3, 0.02);

test('(b) eval loss up, accuracy down and train loss falling: overfitting, high confidence, with GL', () => {
  const points = evalRun(12, valley(3), falling);
  const warning = overfitting(points, trainFalling);
  assert.equal(warning?.kind, 'overfitting');
  assert.equal(warning?.form, 'train-loss-falling');
  assert.equal(warning?.confidence, 'high');
  assert.equal(warning?.startStep, 400);
  const gl = 100 * ((points.loss[11] as number) / Math.min(...points.loss) - 1);
  assert.equal(warning?.evidence['generalizationLoss'], gl);
  // The two percentages compare different things, and each says what: the later median and the last evaluation against the minimum.
  assert.match(
    warning?.message ?? '',
    new RegExp(
      `eval loss is up \\d+% from its minimum at step 400 \\(the median of the last 4 evaluations against that minimum; the last evaluation alone is ${gl.toFixed(0)}% above it, Prechelt's generalization loss GL = ${gl.toFixed(0)}\\) and token accuracy is down: .*, −\\d\\.\\d points .*while train loss keeps falling`,
    ),
  );
  assert.equal(misleadingLoss(points), undefined, '(a) and (b) never both fire');
});

test('(b) without train loss: validation is getting worse, cause unknown, at most medium', () => {
  const warning = overfitting(evalRun(12, valley(3), falling));
  assert.equal(warning?.form, 'cause-unknown');
  assert.equal(warning?.confidence, 'medium');
  assert.match(warning?.message ?? '', /^Validation is getting worse, cause unknown/);
});

test('(b) with a flat train loss the cause is not claimed', () => {
  const warning = overfitting(
    evalRun(12, valley(3), falling),
    seriesOf(120, () => 1, 5, 0.02),
  );
  assert.equal(warning?.form, 'cause-unknown');
  assert.match(warning?.message ?? '', /but train loss is not falling/);
});

test('(b) is silent when accuracy rises or holds (that is rule a) and when the loss falls', () => {
  assert.equal(
    overfitting(
      evalRun(12, valley(3), (k) => 0.4 + 0.01 * k),
      trainFalling,
    ),
    undefined,
  );
  assert.equal(
    overfitting(
      evalRun(12, valley(3), () => 0.48, 2, 0.01, 0.001),
      trainFalling,
    ),
    undefined,
  );
  assert.equal(
    overfitting(
      evalRun(12, (k) => 3 - 0.1 * k, falling),
      trainFalling,
    ),
    undefined,
  );
});

test('(b) noisy near miss: an accuracy dip within noise is not a fall', () => {
  // Accuracy noise of ±1 point hides a fall of 0.2 points in all.
  let alarms = 0;
  for (let seed = 1; seed <= 100; seed++)
    if (
      overfitting(
        evalRun(12, valley(3), (k) => 0.5 - 0.0003 * k, seed, 0.01, 0.02),
        trainFalling,
      ) !== undefined
    )
      alarms++;
  assert.ok(alarms <= 5, `${alarms} overfitting warnings in 100 runs whose accuracy only drifts within noise`);
});

test('T_k is the mean of the train logs since the previous eval', () => {
  const train = { steps: [10, 20, 30, 40, 50], values: [4, 2, Number.NaN, 3, 1] };
  assert.deepEqual(trainLossAtEvals([5, 20, 40, 60], train), [Number.NaN, 3, 3, 1]);
});
