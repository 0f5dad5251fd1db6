import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { mergeSorted, PackedArrays, SortedSeries } from '../../src/core/sortedSeries';

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

/** A write to a series: one point, a batch of points (`setAll`), a fit (settled or not), or a read of its arrays. */
type Write =
  | { readonly kind: 'set'; readonly step: number; readonly value: number }
  | { readonly kind: 'all'; readonly points: readonly (readonly [number, number])[]; readonly spare: number }
  | { readonly kind: 'fit'; readonly settled: boolean }
  | { readonly kind: 'read' };

const stepOf = fc.oneof(fc.nat(400), fc.constantFrom(Number.NaN, -0, Number.POSITIVE_INFINITY));
const writeOf: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), step: stepOf, value: fc.double() }),
  fc.record({
    kind: fc.constant('all' as const),
    // Mostly rising runs of steps (a log read forward, which a series holds aside until read), some repeating a
    // step (wall times of one record, values that change or not), some in any order.
    points: fc.oneof(
      fc.array(fc.tuple(stepOf, fc.double()), { maxLength: 30 }),
      fc
        .tuple(fc.nat(300), fc.nat(1), fc.array(fc.tuple(fc.nat(2), fc.oneof(fc.double(), fc.constantFrom(0, -0, 1))), { maxLength: 120 }))
        .map(([start, least, gaps]) => {
          let step = start;
          return gaps.map(([gap, value]) => [(step += least + gap), value] as const);
        }),
    ),
    spare: fc.nat(3),
  }),
  fc.record({ kind: fc.constant('fit' as const), settled: fc.boolean() }),
  fc.constant({ kind: 'read' as const }),
);

test('setAll and fit give a series, and every series sharing its steps, what set one point at a time gives', () => {
  fc.assert(
    fc.property(fc.array(fc.array(writeOf, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (writesGiven, alike) => {
      // Series written alike (the metrics of one log) share their steps once fitted, until one of them writes another step.
      const writesBySeries = alike ? writesGiven.map((writes, s) => [...(writesGiven[0] ?? []), ...(s === 0 ? [] : writes)]) : writesGiven;
      const bySet = writesBySeries.map(() => new SortedSeries());
      const byAll = writesBySeries.map(() => new SortedSeries());
      const arrays = new PackedArrays();
      const longest = Math.max(...writesBySeries.map((writes) => writes.length));
      // The series take their writes in turn, fits sharing one maker of arrays as a store's settle does.
      for (let w = 0; w < longest; w++) {
        writesBySeries.forEach((writes, s) => {
          const write = writes[w];
          const one = bySet[s] as SortedSeries;
          const all = byAll[s] as SortedSeries;
          if (write === undefined) return;
          if (write.kind === 'set') assert.equal(all.set(write.step, write.value), one.set(write.step, write.value));
          else if (write.kind === 'all') {
            let changed = false;
            for (const [step, value] of write.points) changed = one.set(step, value) || changed;
            // Arrays longer than the points given, as a reader's columns are: only `length` of them count.
            const steps = new Float64Array(write.points.length + write.spare).fill(7);
            const values = new Float64Array(write.points.length + write.spare).fill(7);
            write.points.forEach(([step, value], i) => {
              steps[i] = step;
              values[i] = value;
            });
            assert.equal(all.setAll(steps, values, write.points.length), changed);
            // Beyond `length` they are the caller's: written after, they change nothing in the series.
            steps.fill(-1, write.points.length);
            values.fill(-1, write.points.length);
          } else if (write.kind === 'fit') {
            one.fit(write.settled);
            all.fit(write.settled, arrays);
          } else assert.deepEqual([all.steps, all.values], [one.steps, one.values]);
        });
      }
      byAll.forEach((all, s) => {
        const one = bySet[s] as SortedSeries;
        assert.deepEqual([all.steps, all.values, all.rewrites], [one.steps, one.values, one.rewrites]);
      });
    }),
    { numRuns: 400 },
  );
});

test('series whose rising runs are made into arrays by one maker share one steps array, and a write to one copies it first', () => {
  const arrays = new PackedArrays();
  const steps = Float64Array.from({ length: 100 }, (_, i) => i * 2);
  const [a, b, c] = [new SortedSeries(), new SortedSeries(), new SortedSeries()];
  a.setAll(steps, new Float64Array(100).fill(1), 100);
  b.setAll(steps, new Float64Array(100).fill(2), 100);
  c.setAll(
    steps.map((step) => step + 1),
    new Float64Array(100).fill(3),
    100,
  );
  assert.deepEqual([a.fit(true, arrays), b.fit(true, arrays), c.fit(true, arrays)], [true, true, true]);
  assert.equal(a.steps, b.steps);
  assert.notEqual(a.steps, c.steps);
  a.set(1, 5);
  b.set(3, 6);
  assert.deepEqual([a.steps.length, b.steps.length, a.steps[1], b.steps[2]], [101, 101, 1, 3]);
  assert.deepEqual(b.values.slice(0, 3), [2, 2, 6]);
  assert.notEqual(a.steps, b.steps);
});

test('arrays made for a series are packed, of the length asked, below, at and above the template kept', () => {
  setFlagsFromString('--allow-natives-syntax');
  const holey = new Function('array', 'return %HasHoleyElements(array)') as (array: unknown) => boolean;
  const arrays = new PackedArrays();
  for (const length of [1, 3, 65_535, 65_536, 65_537, 200_000, 5]) {
    const made = arrays.make(length);
    assert.equal(made.length, length);
    assert.equal(holey(made), false, `${length}`);
  }
  // A series longer than the template, filled from rising runs of 1,000 points (held aside until fitted), holds every point.
  const series = new SortedSeries();
  for (let start = 0; start < 150_000; start += 1000) {
    const steps = Float64Array.from({ length: 1000 }, (_, i) => start + i);
    series.setAll(
      steps,
      steps.map((step) => step / 3),
      steps.length,
    );
  }
  assert.equal(series.fit(true, arrays), true);
  assert.equal(series.steps.length, 150_000);
  assert.ok(series.steps.every((step, i) => step === i) && series.values.every((value, i) => value === i / 3));
  assert.equal(holey(series.values), false);
});

test('a batch larger than is held aside, its steps never falling, gives an empty series what set one point at a time gives, and a fit copies nothing', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(2), fc.oneof(fc.double(), fc.constantFrom(0, -0, 1))), { minLength: 4097, maxLength: 6000 }), (gaps) => {
      let step = 0;
      const points = gaps.map(([gap, value]) => [(step += gap), value] as const);
      const one = new SortedSeries();
      let changed = false;
      for (const [s, v] of points) changed = one.set(s, v) || changed;
      const all = new SortedSeries();
      const arrays = new PackedArrays();
      assert.equal(
        all.setAll(
          Float64Array.from(points, ([s]) => s),
          Float64Array.from(points, ([, v]) => v),
          points.length,
          arrays,
        ),
        changed,
      );
      const steps = all.steps;
      assert.deepEqual([all.steps, all.values, all.rewrites], [one.steps, one.values, one.rewrites]);
      // Made at their size: fitting keeps the same arrays (and says the series was fitted, so a grid may take its steps).
      assert.equal(all.fit(true, arrays), all.steps.length >= 64);
      assert.equal(all.steps, steps);
    }),
    { numRuns: 40 },
  );
});

test('arrays made at their size and grown by a later write are copied by the next fit, shedding the room the growth left', () => {
  const length = 5000;
  const series = new SortedSeries();
  const arrays = new PackedArrays();
  series.setAll(
    Float64Array.from({ length }, (_, i) => i),
    Float64Array.from({ length }, (_, i) => i / 2),
    length,
    arrays,
  );
  for (let step = length; step < length + 100; step++) series.set(step, 1);
  const grown = series.steps;
  assert.equal(series.fit(true, arrays), true);
  assert.notEqual(series.steps, grown);
  assert.deepEqual(series.steps, grown);
});
