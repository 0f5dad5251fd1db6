import type { Series } from '../types';

/** The trailing logs a spike is measured against, and the fewest that make a window. */
export const SPIKE_WINDOW = 20;
export const SPIKE_MIN_WINDOW = 10;

export interface ScannedPoint {
  readonly step: number;
  readonly value: number;
}

export interface Spike {
  readonly step: number;
  readonly value: number;
  readonly center: number;
  readonly score: number;
}

/**
 * What rule (d) needs of a long train-side series, gathered in one pass that can be resumed where it
 * stopped: a run that logs every step has hundreds of thousands of train logs, and passing over all of
 * them on every new evaluation made the analysis take seconds. Valid only for the same points it was
 * made from, in the same order; a series that only grew continues from `length`.
 */
export interface SeriesScan {
  /** Points of the series scanned so far, finite or not. */
  readonly length: number;
  readonly nonFinite: { readonly first: ScannedPoint; readonly last: ScannedPoint; readonly count: number } | undefined;
  readonly finiteCount: number;
  /** The last SPIKE_WINDOW finite values (fewer early on), oldest first: also the last 20 logs divergence tests for a trend. */
  readonly recent: readonly number[];
  /** Spikes found so far, in step order; always empty when the scan was asked not to look for them. */
  readonly spikes: readonly Spike[];
}

export const EMPTY_SCAN: SeriesScan = { length: 0, nonFinite: undefined, finiteCount: 0, recent: [], spikes: [] };

/**
 * The last `size` values kept in order as new ones come. Used only where a value might be a spike: the
 * exact median and MAD are taken there and nowhere else.
 */
export class TrailingWindow {
  private readonly arrived: number[] = [];
  private readonly sorted: number[] = [];

  constructor(private readonly size: number) {}

  push(value: number): void {
    this.sorted.splice(this.lowerBound(value), 0, value);
    this.arrived.push(value);
    if (this.arrived.length > this.size) this.sorted.splice(this.lowerBound(this.arrived.shift() as number), 1);
  }

  median(): number {
    const n = this.sorted.length;
    return n % 2 === 1 ? (this.sorted[n >> 1] as number) : ((this.sorted[(n >> 1) - 1] as number) + (this.sorted[n >> 1] as number)) / 2;
  }

  /** MAD about `center` without a sort: the deviations below and above it are each in order, so they are merged. */
  mad(center: number): number {
    const n = this.sorted.length;
    const deviations: number[] = [];
    let below = this.lowerBound(center) - 1;
    let above = below + 1;
    while (deviations.length <= n >> 1) {
      const down = below >= 0 ? center - (this.sorted[below] as number) : Number.POSITIVE_INFINITY;
      const up = above < n ? (this.sorted[above] as number) - center : Number.POSITIVE_INFINITY;
      if (down <= up) below--;
      else above++;
      deviations.push(Math.min(down, up));
    }
    return n % 2 === 1 ? (deviations[n >> 1] as number) : ((deviations[(n >> 1) - 1] as number) + (deviations[n >> 1] as number)) / 2;
  }

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.sorted[middle] as number) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * A spike: against the trailing 20 logs (at least 10), x_t ≥ 1.5·μ and (x_t − μ)/(1.4826·MAD) ≥ 6, with μ
 * their median. Undefined when `value` is no spike.
 */
function spikeAt(window: readonly number[], step: number, value: number): Spike | undefined {
  const trailing = new TrailingWindow(SPIKE_WINDOW);
  for (const past of window) trailing.push(past);
  const center = trailing.median();
  const spread = 1.4826 * trailing.mad(center);
  const score = spread > 0 ? (value - center) / spread : value > center ? Number.POSITIVE_INFINITY : 0;
  return center > 0 && value >= 1.5 * center && score >= 6 ? { step, value, center, score } : undefined;
}

/**
 * Continues `previous` over the points of `series` past its `length` (from the start when there is none).
 * Most logs are ruled out as spikes by the window's minimum alone: a spike needs x_t ≥ 1.5·μ > 0, and the
 * median μ is at least the minimum, so x_t ≤ 0 or x_t < 1.5·min (min > 0) is no spike; the exact test runs
 * on the rest, after its median alone (x_t ≥ 1.5·μ) has not ruled it out: a noisy series (a gradient norm)
 * passes the minimum's test at many logs, and the median of a sorted copy of 20 numbers costs far less than
 * the window and MAD the exact test builds. The window's minimum is kept as logs come and go, rescanned only
 * when the minimum leaves.
 */
export function scanSeries(series: Series, withSpikes: boolean, previous: SeriesScan = EMPTY_SCAN): SeriesScan {
  const { steps, values } = series;
  const n = values.length;
  if (n === previous.length) return previous;
  let nonFinite = previous.nonFinite;
  let finiteCount = previous.finiteCount;
  const ring = new Float64Array(SPIKE_WINDOW);
  let size = 0;
  let head = 0;
  for (const value of previous.recent) ring[size++] = value;
  let minimum = Number.POSITIVE_INFINITY;
  for (let i = 0; i < size; i++) if ((ring[i] as number) < minimum) minimum = ring[i] as number;
  const found: Spike[] = [];
  const sorted = new Float64Array(SPIKE_WINDOW);
  for (let i = previous.length; i < n; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      const point = { step: steps[i] as number, value };
      nonFinite = { first: nonFinite?.first ?? point, last: point, count: (nonFinite?.count ?? 0) + 1 };
      continue;
    }
    if (
      withSpikes &&
      finiteCount >= SPIKE_MIN_WINDOW &&
      value > 0 &&
      !(minimum > 0 && value < 1.5 * minimum) &&
      value >= 1.5 * windowMedian(ring, size, sorted)
    ) {
      const spike = spikeAt(windowOf(ring, head, size), steps[i] as number, value);
      if (spike !== undefined) found.push(spike);
    }
    if (size < SPIKE_WINDOW) {
      ring[(head + size++) % SPIKE_WINDOW] = value;
      if (value < minimum) minimum = value;
    } else {
      const leaving = ring[head] as number;
      ring[head] = value;
      head = head === SPIKE_WINDOW - 1 ? 0 : head + 1;
      if (leaving <= minimum) {
        minimum = Number.POSITIVE_INFINITY;
        for (let k = 0; k < SPIKE_WINDOW; k++) if ((ring[k] as number) < minimum) minimum = ring[k] as number;
      } else if (value < minimum) minimum = value;
    }
    finiteCount++;
  }
  return {
    length: n,
    nonFinite,
    finiteCount,
    recent: windowOf(ring, head, size),
    spikes: found.length === 0 ? previous.spikes : [...previous.spikes, ...found],
  };
}

/**
 * The median of the window's `size` values, as TrailingWindow.median takes it (the order of the ring does not
 * matter to a median), sorted in `scratch`. Only a zero's sign may differ, which no test x_t ≥ 1.5·μ with x_t > 0 sees.
 */
function windowMedian(ring: Float64Array, size: number, scratch: Float64Array): number {
  const window = scratch.subarray(0, size);
  window.set(ring.subarray(0, size));
  window.sort();
  return size % 2 === 1 ? (window[size >> 1] as number) : ((window[(size >> 1) - 1] as number) + (window[size >> 1] as number)) / 2;
}

function windowOf(ring: Float64Array, head: number, size: number): number[] {
  const window: number[] = [];
  for (let k = 0; k < size; k++) window.push(ring[(head + k) % SPIKE_WINDOW] as number);
  return window;
}
