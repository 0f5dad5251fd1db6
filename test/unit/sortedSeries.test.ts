import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeSorted, SortedSeries } from '../../src/core/sortedSeries';

test('points in any order end up sorted and unique by step, the last write winning', () => {
  const series = new SortedSeries();
  for (const [step, value] of [
    [10, 1],
    [30, 3],
    [20, 2],
    [5, 0.5],
    [20, 2.5],
    [30, 3],
  ] as const)
    series.set(step, value);
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

test('any sequence of writes (appends, the last step again, earlier steps) leaves exactly what a sorted map of step to last value holds', () => {
  const write = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.NaN, -0, 0.5)));
  fc.assert(
    fc.property(fc.array(write, { maxLength: 60 }), fc.boolean(), (writes, ascending) => {
      // Mostly ascending steps, as logs write them, so the append and last-step paths are taken as often as the search.
      const ordered = ascending ? [...writes].sort((a, b) => a[0] - b[0]) : writes;
      const series = new SortedSeries();
      const model = new Map<number, number>();
      for (const [step, value] of ordered) {
        const changed = series.set(step, value);
        assert.equal(changed, !model.has(step) || !Object.is(model.get(step), value), `set(${step}, ${value})`);
        model.set(step, value);
      }
      const steps = [...model.keys()].sort((a, b) => a - b);
      assert.deepEqual(series.steps, steps);
      assert.deepEqual(
        series.values,
        steps.map((step) => model.get(step)),
      );
    }),
  );
});
