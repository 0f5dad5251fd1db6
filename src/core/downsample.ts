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
    lastKept = i;
    steps.push(series.steps[i] as number);
    values.push(source[i] as number);
  };
  // Buckets are contiguous and in order, so each one's kept indices, sorted, follow the previous bucket's.
  for (let b = 0; b < bucketCount; b++) {
    const start = Math.floor(b * bucketSize);
    const end = Math.min(n, Math.floor((b + 1) * bucketSize));
    let low = start;
    let high = start;
    // The values at low and high, and whether they are finite (only the bucket's first can be not), kept at hand.
    let lowValue = source[start] as number;
    let highValue = lowValue;
    let lowFinite = Number.isFinite(lowValue);
    let highFinite = lowFinite;
    let nonFinite: number[] | undefined;
    for (let i = start; i < end; i++) {
      const value = source[i] as number;
      // value - value is 0 for a finite value and NaN for NaN or ±∞: one test, no call.
      if (value - value !== 0) (nonFinite ??= []).push(i);
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
    const kept = [...(nonFinite ?? []), start, low, high].sort((x, y) => x - y);
    for (const i of kept) if (i !== lastKept) emit(i);
  }
  if (lastKept !== n - 1) emit(n - 1);
  return { steps, values };
}
