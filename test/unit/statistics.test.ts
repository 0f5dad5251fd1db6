import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallS, level, mad, mannKendallP, median, noiseSigma, theilSen } from '../../src/core/analysis/statistics';
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

test('Theil–Sen: the median pairwise slope ignores an outlier; the exact 90% interval for n = 5 spans ranks 2 to 9', () => {
  // Pairwise slopes: six of 1, then 24.75, 32.67, 48.5, 96 from the outlier.
  const fit = theilSen([1, 2, 3, 4, 5], [1, 2, 3, 4, 100]);
  assert.equal(fit?.slope, 1);
  assert.equal(fit?.low, 1);
  assert.equal(fit?.high, 48.5);
  assert.equal(theilSen([1, 1], [1, 2]), undefined, 'no slope without two distinct x');
});

test('Theil–Sen interval covers the true slope about 90% of the time', () => {
  let state = 12345;
  const uniform = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32 - 0.5;
  };
  for (const n of [6, 12]) {
    let covered = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      const x = Array.from({ length: n }, (_, i) => i * 10);
      const fit = theilSen(
        x,
        x.map((xi) => 0.5 * xi + 3 * uniform()),
        0.1,
      );
      if (fit !== undefined && fit.low <= 0.5 && 0.5 <= fit.high) covered++;
    }
    assert.ok(covered / runs >= 0.86 && covered / runs <= 0.97, `n = ${n}: coverage ${covered / runs}`);
  }
});

test('MAD is the median absolute deviation from the median', () => {
  assert.equal(mad([1, 2, 3, 4, 100]), 1);
});

test('Kendall S counted in O(n log n) equals the pairwise count, ties included', () => {
  let state = 99;
  const next = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
  for (const n of [65, 300]) {
    // Values rounded to two digits, so that many are tied.
    const values = Array.from({ length: n }, (_, i) => Math.round((i / n + next()) * 100) / 100);
    let pairwise = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairwise += Math.sign((values[j] as number) - (values[i] as number));
    assert.equal(kendallS(values), pairwise);
  }
});

/** P(S ≥ S_observed) over every distinct arrangement of the values: the exact null the p-value must match. */
function enumeratedP(values: readonly number[]): number {
  const arrangements = new Set<string>();
  const permute = (rest: number[], prefix: number[]): void => {
    if (rest.length === 0) arrangements.add(prefix.join(','));
    rest.forEach((value, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...prefix, value]));
  };
  permute([...values], []);
  const observed = kendallS(values);
  const all = [...arrangements].map((key) => kendallS(key.split(',').map(Number)));
  return all.filter((s) => s >= observed).length / all.length;
}

test('Mann–Kendall with ties: the exact null counts the distinct arrangements of the tied values', () => {
  // Sorted 1, 2, 2, 3 is one of 12 arrangements, not one of 24: a tie makes 4 points too few for p ≤ 0.05.
  assert.equal(mannKendallP([1, 2, 2, 3], 'up'), 1 / 12);
  assert.equal(mannKendallP([1, 1, 2, 2, 3], 'up'), 1 / 30);
  assert.equal(mannKendallP([2, 2, 2, 2, 2], 'up'), 1, 'a constant series shows no trend');
  for (const values of [
    [0.41, 0.42, 0.42, 0.43, 0.42, 0.44, 0.44],
    [3, 1, 2, 2, 5, 5, 5, 4],
    [1, 2, 3, 3, 4, 5, 6, 7, 7],
  ]) {
    assert.ok(Math.abs(mannKendallP(values, 'up') - enumeratedP(values)) < 1e-12, values.join(', '));
  }
});
