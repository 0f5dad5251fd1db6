import type { Series } from './types';

/**
 * Keeps at most about `maxPoints` points by splitting the series into buckets and keeping each bucket's
 * first, lowest and highest point (and the very last point), so spikes and NaNs survive the cut.
 */
export function downsampleMinMax(series: Series, maxPoints: number): Series {
  const n = series.steps.length;
  if (n <= maxPoints) return series;
  const bucketCount = Math.max(1, Math.floor(maxPoints / 3));
  const bucketSize = n / bucketCount;
  const source = series.values;
  const steps: number[] = [];
  const values: number[] = [];
  let lastKept = -1;
  const emit = (i: number): void => {
    if (i === lastKept) return;
    lastKept = i;
    steps.push(series.steps[i] as number);
    values.push(source[i] as number);
  };
  // Buckets are contiguous and in order, so each one's kept indices, sorted, follow the previous bucket's.
  for (let b = 0; b < bucketCount; b++) {
    const start = Math.floor(b * bucketSize);
    const end = Math.min(n, Math.floor((b + 1) * bucketSize));
    const first = source[start] as number;
    if (first - first !== 0) {
      for (const i of bucketWithNonFiniteStart(source, start, end)) emit(i);
      continue;
    }
    // The bucket starts finite (nearly always): one comparison per point, a non-finite value found only where
    // it passes a bound (±∞) or fails both (NaN), as the first point's value never does.
    let low = start;
    let high = start;
    let lowValue = first;
    let highValue = first;
    let nonFinite: number[] | undefined;
    for (let i = start + 1; i < end; i++) {
      const value = source[i] as number;
      if (value < lowValue) {
        if (value === Number.NEGATIVE_INFINITY) (nonFinite ??= []).push(i);
        else {
          low = i;
          lowValue = value;
        }
      } else if (value > highValue) {
        if (value === Number.POSITIVE_INFINITY) (nonFinite ??= []).push(i);
        else {
          high = i;
          highValue = value;
        }
      } else if (value !== value) (nonFinite ??= []).push(i);
    }
    if (nonFinite === undefined) {
      // start ≤ low and start ≤ high: the three in order without a sort.
      emit(start);
      emit(Math.min(low, high));
      emit(Math.max(low, high));
    } else for (const i of [...nonFinite, start, low, high].sort((x, y) => x - y)) emit(i);
  }
  if (lastKept !== n - 1) emit(n - 1);
  return { steps, values };
}

/** A bucket whose first value is NaN or ±∞: its kept indices, sorted (duplicates left to the caller). */
function bucketWithNonFiniteStart(source: readonly number[], start: number, end: number): number[] {
  let low = start;
  let high = start;
  let lowValue = Number.NaN;
  let highValue = Number.NaN;
  let lowFinite = false;
  let highFinite = false;
  const nonFinite: number[] = [];
  for (let i = start; i < end; i++) {
    const value = source[i] as number;
    // value - value is 0 for a finite value and NaN for NaN or ±∞: one test, no call.
    if (value - value !== 0) nonFinite.push(i);
    else if (value < lowValue || !lowFinite) {
      low = i;
      lowValue = value;
      lowFinite = true;
    } else if (value > highValue || !highFinite) {
      high = i;
      highValue = value;
      highFinite = true;
    }
  }
  return [...nonFinite, start, low, high].sort((x, y) => x - y);
}
