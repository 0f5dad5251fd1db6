import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plateau } from '../../src/core/analysis/plateau';
import { seriesOf, tokenAccuracy } from './warningFixtures';

const flatAccuracy = tokenAccuracy(seriesOf(24, (k) => (k < 8 ? 0.4 + 0.02 * k : 0.56), 2, 0.001, 100));
const risingAccuracy = tokenAccuracy(seriesOf(24, (k) => 0.4 + 0.004 * k, 3, 0.001, 100));
const flatLoss = seriesOf(24, (k) => (k < 8 ? 3 - 0.1 * k : 2.2), 4, 0.002, 100);

test('(c) accuracy plateau: more training is unlikely to help, medium confidence with W ≥ 8', () => {
  const warning = plateau(flatLoss, flatAccuracy);
  assert.equal(warning?.kind, 'plateau');
  assert.equal(warning?.form, 'accuracy-plateau');
  assert.equal(warning?.confidence, 'medium');
  assert.equal(warning?.evidence['windowPoints'], 8, 'W = max(5, ⌈24/3⌉)');
  assert.equal(warning?.startStep, 1700);
  assert.ok((warning?.evidence['changeBound'] ?? 1) < 0.003);
  assert.match(
    warning?.message ?? '',
    /^Token accuracy has levelled off since step 1700: it changed by at most 0\.\d points over the last 8 evaluations, by the 90% interval of its Theil–Sen trend, with no Mann–Kendall trend \(p = .* up, .* down\)\. More training is unlikely to improve it\.$/,
  );
});

test('(c) loss plateau while accuracy still rises: a loss-based stop is too early', () => {
  const warning = plateau(flatLoss, risingAccuracy);
  assert.equal(warning?.form, 'loss-plateau-accuracy-rising');
  assert.equal(warning?.startStep, 1700);
  assert.ok((warning?.evidence['accuracyTrendP'] ?? 1) <= 0.05);
  assert.match(
    warning?.message ?? '',
    /Eval loss has flattened since step 1700: .*; but token accuracy is still rising: \+2\.\d points from step 1700 to step 2400/,
  );
});

test('(c) loss plateau with no accuracy logged; low confidence when W < 8', () => {
  const warning = plateau(
    seriesOf(12, (k) => (k < 5 ? 3 - 0.1 * k : 2.5), 4, 0.002, 100),
    undefined,
  );
  assert.equal(warning?.form, 'loss-plateau');
  assert.equal(warning?.confidence, 'low');
});

test('(c) is silent on curves that still move, and on fewer than 5 points', () => {
  assert.equal(
    plateau(
      seriesOf(24, (k) => 3 - 0.03 * k, 6, 0.002, 100),
      risingAccuracy,
    ),
    undefined,
  );
  assert.equal(
    plateau(
      seriesOf(4, () => 2, 6, 0, 100),
      tokenAccuracy(seriesOf(4, () => 0.5, 6, 0, 100)),
    ),
    undefined,
  );
});

test('(c) noisy near miss: a slow real rise is not called a plateau', () => {
  // 0.06 points per eval: 0.42 points over the 8-point window, against ε = 0.3, under ±0.05 points of noise.
  let alarms = 0;
  for (let seed = 1; seed <= 100; seed++)
    if (plateau(undefined, tokenAccuracy(seriesOf(24, (k) => 0.5 + 0.0006 * k, seed, 0.0005, 100))) !== undefined) alarms++;
  assert.ok(alarms <= 5, `${alarms} plateaus claimed in 100 slowly rising runs`);
});

test('(c) a long run is judged on its window thinned to 100 points: still a plateau when flat, and fast', () => {
  const long = seriesOf(3000, (k) => (k < 300 ? 0.3 + 0.001 * k : 0.6), 8, 0.001, 10);
  const start = performance.now();
  const warning = plateau(undefined, tokenAccuracy(long));
  assert.ok(performance.now() - start < 500, 'Theil–Sen over every pair of 1,000 points would take far longer');
  assert.equal(warning?.form, 'accuracy-plateau');
  assert.equal(warning?.evidence['windowPoints'], 1000);
  assert.equal(
    plateau(undefined, tokenAccuracy(seriesOf(3000, (k) => 0.3 + 0.0001 * k, 8, 0.001, 10))),
    undefined,
    'a slow steady rise over 1,000 points is not flat',
  );
});
