import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSorted, SortedSeries } from '../../src/core/sortedSeries';

test('points in any order end up sorted and unique by step, the last write winning', () => {
  const series = new SortedSeries();
  for (const [step, value] of [[10, 1], [30, 3], [20, 2], [5, 0.5], [20, 2.5], [30, 3]] as const) series.set(step, value);
  assert.deepEqual(series.steps, [5, 10, 20, 30]);
  assert.deepEqual(series.values, [0.5, 1, 2.5, 3]);
  assert.equal(series.set(30, 3), false, 'the same value is no change');
  assert.equal(series.set(40, Number.NaN), true);
  assert.equal(series.set(40, Number.NaN), false, 'NaN is the same as NaN');
});

test('merging layers keeps every step once and lets the later layer win', () => {
  const older = { steps: [1, 2, 3], values: [10, 20, 30] };
  const newer = { steps: [2, 4], values: [21, 40] };
  assert.deepEqual(mergeSorted([older, newer]), { steps: [1, 2, 3, 4], values: [10, 21, 30, 40] });
  assert.deepEqual(mergeSorted([newer, older]), { steps: [1, 2, 3, 4], values: [10, 20, 30, 40] });
  assert.deepEqual(mergeSorted([older]), older);
});
