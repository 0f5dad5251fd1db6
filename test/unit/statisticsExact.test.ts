import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallS, mannKendallBoth, mannKendallP, median, theilSen, theilSenRanks } from '../../src/core/analysis/statistics';
import { downsampleMinMax } from '../../src/core/downsample';
import type { Series } from '../../src/core/types';

function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** Series of every length around the switch to the fast paths, with many ties in some. */
function samples(count: number): number[][] {
  const random = generator(7);
  return Array.from({ length: count }, (_, k) => {
    const length = Math.floor(random() * (k % 2 === 0 ? 80 : 600));
    const tied = random() < 0.5;
    return Array.from({ length }, () => (tied ? Math.round(random() * 6) : random() - 0.5));
  });
}

test('Kendall S by merge sort equals the pairwise sum, ties included', () => {
  for (const values of samples(300)) {
    let pairwise = 0;
    for (let i = 0; i < values.length; i++) for (let j = i + 1; j < values.length; j++) pairwise += Math.sign((values[j] as number) - (values[i] as number));
    assert.equal(kendallS(values), pairwise, `n = ${values.length}`);
  }
});

test('both Mann–Kendall p-values at once equal each asked alone', () => {
  for (const values of samples(200)) {
    assert.deepEqual(mannKendallBoth(values), { up: mannKendallP(values, 'up'), down: mannKendallP(values, 'down') });
  }
});

test('the median by selection equals the middle of a full sort', () => {
  for (const values of samples(300)) {
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const expected = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    assert.equal(median(values), expected);
  }
});

/** The downsampling as first written: a set of the indices kept, sorted at the end. */
function downsampleBySet(series: Series, maxPoints: number): Series {
  const n = series.steps.length;
  if (n <= maxPoints) return series;
  const bucketCount = Math.max(1, Math.floor(maxPoints / 3));
  const bucketSize = n / bucketCount;
  const keep = new Set<number>([n - 1]);
  for (let b = 0; b < bucketCount; b++) {
    const start = Math.floor(b * bucketSize);
    const end = Math.min(n, Math.floor((b + 1) * bucketSize));
    let low = start;
    let high = start;
    for (let i = start; i < end; i++) {
      const value = series.values[i] as number;
      if (!Number.isFinite(value)) keep.add(i);
      else if (value < (series.values[low] as number) || !Number.isFinite(series.values[low] as number)) low = i;
      else if (value > (series.values[high] as number) || !Number.isFinite(series.values[high] as number)) high = i;
    }
    keep.add(start).add(low).add(high);
  }
  const indices = [...keep].sort((a, b) => a - b);
  return { steps: indices.map((i) => series.steps[i] as number), values: indices.map((i) => series.values[i] as number) };
}

test('downsampling keeps the same points as the set-based definition, NaN and ±∞ included', () => {
  const random = generator(11);
  for (let k = 0; k < 200; k++) {
    const length = Math.floor(random() * 3000);
    const values = Array.from({ length }, () => {
      const r = random();
      return r < 0.01
        ? Number.NaN
        : r < 0.02
          ? Number.NEGATIVE_INFINITY
          : r < 0.03
            ? Number.POSITIVE_INFINITY
            : random() < 0.3
              ? Math.round(random() * 3)
              : random();
    });
    const series = { steps: values.map((_, i) => i * 2), values };
    const maxPoints = 3 + Math.floor(random() * 300);
    assert.deepEqual(downsampleMinMax(series, maxPoints), downsampleBySet(series, maxPoints), `length ${length}, at most ${maxPoints}`);
  }
});

/** Theil–Sen by its definition: every pairwise slope sorted, read at the median and the interval's ranks. */
function theilSenBySort(x: readonly number[], y: readonly number[], alpha: number): { slope: number; low: number; high: number } | undefined {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++)
      if ((x[j] as number) !== (x[i] as number)) slopes.push(((y[j] as number) - (y[i] as number)) / ((x[j] as number) - (x[i] as number)));
  if (slopes.length === 0) return undefined;
  const sorted = Float64Array.from(slopes).sort();
  const ranks = theilSenRanks(x.length, sorted.length, alpha);
  const middle = sorted.length >> 1;
  const slope = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { slope, low: sorted[ranks.low] as number, high: sorted[ranks.high] as number };
}

test('Theil–Sen by selection gives the sorted slopes’ order statistics, ties, zeros of both signs and NaN included', () => {
  const random = generator(23);
  for (let k = 0; k < 300; k++) {
    const n = 2 + Math.floor(random() * 120);
    const x = Array.from({ length: n }, (_, i) => (random() < 0.1 ? i - 1 : i) * (random() < 0.5 ? 1 : -1));
    const y = Array.from({ length: n }, () => {
      const r = random();
      return r < 0.1 ? 0 : r < 0.2 ? -0 : r < 0.22 && k % 2 === 0 ? Number.NaN : r < 0.5 ? Math.round(random() * 3) : random();
    });
    const fit = theilSen(x, y, 0.1);
    assert.deepEqual(fit === undefined ? undefined : { ...fit }, theilSenBySort(x, y, 0.1), `n = ${n}`);
  }
});
