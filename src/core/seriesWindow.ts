import type { Series } from './types';

/** First index whose step is past `step` (or, with `inclusive`, at least `step`); steps are sorted. */
function bound(steps: readonly number[], step: number, inclusive: boolean): number {
  let low = 0;
  let high = steps.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const at = steps[middle] as number;
    if (at < step || (!inclusive && at === step)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The points between two steps (a slice: downsampling is the caller's choice). One point beyond each end
 * is kept so that the line runs to the edges of a zoomed chart.
 */
export function seriesWindow(series: Series, from: number, to: number): Series {
  const start = Math.max(0, bound(series.steps, from, true) - 1);
  const end = Math.min(series.steps.length, bound(series.steps, to, false) + 1);
  return { steps: series.steps.slice(start, end), values: series.values.slice(start, end) };
}
