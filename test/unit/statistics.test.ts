import { test } from 'node:test';
import assert from 'node:assert/strict';
import { level, mannKendallP, median, noiseSigma } from '../../src/core/analysis/statistics';
import { smoothDebiased } from '../../src/core/analysis/smoothing';

test('Mann–Kendall: a monotone series of 4 gives exactly 1/4!', () => {
  assert.equal(mannKendallP([1, 2, 3, 4], 'up'), 1 / 24);
  assert.equal(mannKendallP([1, 2, 3, 4], 'down'), 1);
  assert.equal(mannKendallP([1, 2, 3], 'up'), 1, 'no trend claim under 4 points');
});

test('Mann–Kendall exact and approximate p-values agree with known values', () => {
  // n = 5 with one inversion: P(S ≥ 8) = (1 + 4) / 120.
  assert.ok(Math.abs(mannKendallP([1, 3, 2, 4, 5], 'up') - 5 / 120) < 1e-12);
  const rising = Array.from({ length: 30 }, (_, i) => i + (i % 3));
  assert.ok(mannKendallP(rising, 'up') < 1e-6);
  const flat = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 1 : 2));
  assert.ok(mannKendallP(flat, 'up') > 0.3);
});

test('median, level and noise', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(level([1, 2, 3, 4, 5]), 4);
  assert.equal(noiseSigma([1, 2, 3, 4, 5]), 0, 'a pure trend has no noise');
  assert.ok(noiseSigma([1, 1.1, 0.9, 1.05, 0.95, 1.1]) > 0);
});

test('smoothing is TensorBoard’s debiased EMA and lets NaN through', () => {
  const smoothed = smoothDebiased([1, Number.NaN, 3], 0.6);
  assert.equal(smoothed[0], 1, 'the first value is not pulled towards zero');
  assert.ok(Number.isNaN(smoothed[1] as number));
  const expected = (0.6 * 0.4 * 1 + 0.4 * 3) / (1 - 0.36);
  assert.ok(Math.abs((smoothed[2] as number) - expected) < 1e-12);
  assert.deepEqual(smoothDebiased([1, 2], 0), [1, 2]);
});
