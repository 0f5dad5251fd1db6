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
