import { test } from 'node:test';
import assert from 'node:assert/strict';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { checkpointDisagreement } from '../../src/core/analysis/checkpointDisagreement';
import { overfitting } from '../../src/core/analysis/overfitting';
import { evalPoints, evalRun as run, valley } from './warningFixtures';

test('(a) rising form: loss turns up while token accuracy keeps rising', () => {
  const points = run(12, valley(3), (k) => 0.4 + 0.01 * k);
  const warning = misleadingLoss(points);
  assert.equal(warning?.kind, 'misleading-loss');
  assert.equal(warning?.form, 'rising');
  assert.equal(warning?.confidence, 'high');
  assert.equal(warning?.startStep, 400, 'begins at the loss minimum');
  assert.equal(warning?.step, 1200);
  assert.ok((warning?.evidence['lossTrendP'] ?? 1) <= 0.01);
  assert.ok((warning?.evidence['accuracyTrendP'] ?? 1) <= 0.01);
  assert.match(
    warning?.message ?? '',
    /^Eval loss is up \d+% from its minimum at step 400 \(the median of the last 4 evaluations against that minimum\), but token accuracy is up: \d+\.\d% \(mean of steps 400–500\) → \d+\.\d% \(mean of the last 4 evaluations\), \+\d\.\d points/,
  );
});

test('(a) holding form: loss up, accuracy flat', () => {
  const points = run(12, valley(3), () => 0.48, 2, 0.01, 0.001);
  const warning = misleadingLoss(points);
  assert.equal(warning?.kind, 'misleading-loss');
  assert.equal(warning?.form, 'holding');
  assert.equal(warning?.confidence, 'medium');
  assert.match(
    warning?.message ?? '',
    /; token accuracy shows no significant fall: 48\.\d% \(mean of steps 400–500\) → 48\.\d% \(mean of the last 4 evaluations\), [+−]?\d\.\d points, within ±0\.\d points \(Mann–Kendall p = [\d.e-]+ for a fall\)\./,
  );
  assert.doesNotMatch(warning?.message ?? '', /calibration, not worse predictions/, 'without evaluation outputs the cause of the rise is not tested');
});

test('(a) stays silent when accuracy falls with the loss (genuine overfitting)', () => {
  assert.equal(misleadingLoss(run(12, valley(3), (k) => 0.5 - 0.01 * Math.max(0, k - 3))), undefined);
});

test('(a) stays silent on a falling loss and on too few points after the minimum', () => {
  assert.equal(
    misleadingLoss(
      run(
        12,
        (k) => 3 - 0.1 * k,
        (k) => 0.4 + 0.01 * k,
      ),
    ),
    undefined,
  );
  assert.equal(misleadingLoss(run(6, valley(3), (k) => 0.4 + 0.01 * k)), undefined);
});

test('(a) near miss: a loss rise under 2% of its minimum is not LossUp, however steady', () => {
  const points = run(
    12,
    (k) => (k <= 3 ? 2 + 0.1 * (3 - k) : 2 + 0.004 * (k - 3)),
    (k) => 0.4 + 0.01 * k,
    4,
    0.0005,
  );
  assert.equal(misleadingLoss(points), undefined);
});

test('(a) false alarms on noise alone are rare', () => {
  let alarms = 0;
  for (let seed = 1; seed <= 200; seed++)
    if (
      misleadingLoss(
        run(
          12,
          () => 2,
          () => 0.5,
          seed,
          0.05,
          0.01,
        ),
      ) !== undefined
    )
      alarms++;
  assert.ok(alarms <= 6, `${alarms} false warnings in 200 flat noisy runs`);
});

test('(e) names the checkpoint a loss-based configuration would load', () => {
  const warning = checkpointDisagreement(run(10, valley(2), (k) => 0.4 + 0.01 * k));
  assert.equal(warning?.kind, 'checkpoint-disagreement');
  assert.equal(warning?.step, 1000);
  assert.equal(warning?.startStep, 300);
  assert.equal(warning?.evidence['lossStep'], 300);
  assert.match(warning?.message ?? '', /best checkpoint by eval loss \(step 300\) is not the best by token accuracy \(step 1000\)/);
});

test('(e) is silent when the difference is within noise or the picks agree', () => {
  assert.equal(
    checkpointDisagreement(
      run(
        10,
        (k) => 3 - 0.1 * k,
        (k) => 0.4 + 0.01 * k,
      ),
    ),
    undefined,
  );
  assert.equal(checkpointDisagreement(run(10, valley(2), () => 0.5, 3, 0.01, 0.001)), undefined);
  assert.equal(checkpointDisagreement(evalPoints([1, 2], [1, 2], [0.1, 0.9])), undefined, 'needs 3 points');
});

test('(e) noisy near miss: with many evals the best of noise needs z = 3', () => {
  let alarms = 0;
  for (let seed = 1; seed <= 100; seed++)
    if (
      checkpointDisagreement(
        run(
          30,
          () => 2,
          () => 0.5,
          seed,
          0.02,
          0.02,
        ),
      ) !== undefined
    )
      alarms++;
  assert.ok(alarms <= 5, `${alarms} false disagreements in 100 flat noisy runs of 30 evals`);
});

test('(a) and (b) from an eval loss of exactly 0 give the rise as it is: no "Infinity%", and every evidence value finite', () => {
  const steps = [10, 20, 30, 40, 50, 60, 70, 80];
  const loss = [1, 0.5, 0, 0.1, 0.2, 0.3, 0.4, 0.5];
  const holding = misleadingLoss(evalPoints(steps, loss, [0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]));
  assert.equal(
    holding?.message,
    'Eval loss is up 0.400 from its minimum of 0 at step 30 (the median of the last 3 evaluations); token accuracy shows no significant fall: 30.0% (mean of steps 30–40) → 30.0% (mean of the last 3 evaluations), 0.0 points, within ±0.3 points (Mann–Kendall p = 1.0 for a fall). Evaluation outputs with logits at both steps would show whether the rise is calibration alone.',
  );
  assert.ok(Object.values(holding?.evidence ?? {}).every(Number.isFinite));
  const worse = overfitting(evalPoints(steps, loss, [0.1, 0.2, 0.5, 0.48, 0.46, 0.44, 0.42, 0.4]));
  assert.equal(worse?.form, 'cause-unknown');
  assert.match(
    worse?.message ?? '',
    /^Validation is getting worse, cause unknown: eval loss is up 0\.400 from its minimum of 0 at step 30 \(the median of the last 3 evaluations\) and token accuracy is down: 49\.0% \(mean of steps 30–40\) → 42\.0% \(mean of the last 3 evaluations\), −7\.0 points \(Mann–Kendall p = 0\.0014 for a fall\); no train loss/,
  );
  assert.ok(Object.values(worse?.evidence ?? {}).every(Number.isFinite));
});

test('(e) measures noise from the checkpoints under test on, not over the early climb of the whole run', () => {
  const accuracy = [0.2, 0.32, 0.41, 0.47, 0.5, 0.505, 0.506, 0.508, 0.507, 0.51, 0.514, 0.512];
  const loss = [2, 1.8, 1.6, 1.5, 1.45, 1.42, 1.4, 1.41, 1.43, 1.44, 1.46, 1.47];
  const warning = checkpointDisagreement(
    evalPoints(
      accuracy.map((_, k) => (k + 1) * 100),
      loss,
      accuracy,
    ),
  );
  // 0.8 points between steps 700 and 1100, where accuracy moves by about 0.2 points an eval; the climb from 20% would hide it.
  assert.equal(warning?.evidence['lossStep'], 700);
  assert.equal(warning?.evidence['accuracyStep'], 1100);
  assert.ok((warning?.evidence['threshold'] ?? 1) < 0.008);
});
