/** Small, exact statistics the warning rules rest on (see WARNINGS.md in the docs). */

export function median(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : medianInPlace(Float64Array.from(values));
}

/** The median of `copy`, which it reorders. */
function medianInPlace(copy: Float64Array): number {
  // NaN has no place in an order: such a series is sorted whole (NaN last), as before.
  if (hasNaN(copy)) return sortedMedian(copy.sort());
  const n = copy.length;
  const middle = n >> 1;
  const upper = select(copy, middle);
  if (n % 2 === 1) return upper;
  // After the selection every value left of the middle is at most the middle one: the lower middle is their largest.
  let lower = copy[0] as number;
  for (let i = 1; i < middle; i++) lower = Math.max(lower, copy[i] as number);
  return (lower + upper) / 2;
}

/**
 * The k-th smallest value (0-based) in linear expected time (Hoare's selection, middle pivot), leaving the
 * smaller values left of k. The order statistic is the same value a full sort puts at k, at a fraction of the
 * cost: the rules take several medians of series thousands of evaluations long on every update.
 */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i++] = values[j] as number;
        values[j--] = swap;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}

function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

/** Whether every value is finite: a loop, as the rules ask it of series thousands of evaluations long. */
export function allFinite(values: readonly number[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value - value !== 0) return false;
  }
  return true;
}

function sortedMedian(sorted: Float64Array): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Noise of a series from its first differences: σ = 1.4826 · MAD(Δx) / √2. Robust to a trend, which
 * the plain standard deviation is not.
 */
export function noiseSigma(values: readonly number[]): number {
  if (values.length < 3) return 0;
  // The differences in one typed array, their median taken in it, then their deviations in the same array:
  // the deviations' median is the same whatever order the first selection left them in.
  const diffs = new Float64Array(values.length - 1);
  for (let i = 0; i < diffs.length; i++) diffs[i] = (values[i + 1] as number) - (values[i] as number);
  const center = medianInPlace(diffs);
  for (let i = 0; i < diffs.length; i++) diffs[i] = Math.abs((diffs[i] as number) - center);
  return (1.4826 * medianInPlace(diffs)) / Math.SQRT2;
}

/** lvl(x): the median of the last ⌈m/2⌉ points. */
export function level(values: readonly number[]): number {
  return median(values.slice(values.length - Math.ceil(values.length / 2)));
}

/**
 * S = Σ_{i<j} sign(x_j − x_i). Pairwise for short series; above that, in O(n log n) by a merge sort that
 * counts inversions: S = (pairs) − (tied pairs) − 2·(inversions), all whole numbers, so that a run with
 * thousands of evals is analysed in well under a millisecond on every update.
 */
export function kendallS(values: readonly number[]): number {
  const n = values.length;
  if (n <= 64 || !allFinite(values)) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign((values[j] as number) - (values[i] as number));
    return s;
  }
  const { inversions, sorted } = countInversions(values);
  return (n * (n - 1)) / 2 - tieSums(sorted).pairs - 2 * inversions;
}

const RUN = 16;

/** Pairs i < j with x_i > x_j, and the values sorted, by a bottom-up merge sort over typed arrays. */
function countInversions(values: readonly number[]): { inversions: number; sorted: Float64Array } {
  const n = values.length;
  let from = Float64Array.from(values);
  let to = new Float64Array(n);
  let inversions = 0;
  // Runs of RUN values sorted in place first, each shift past a larger value one inversion: fewer merge passes.
  for (let start = 0; start < n; start += RUN) {
    const end = Math.min(start + RUN, n);
    for (let i = start + 1; i < end; i++) {
      const value = from[i] as number;
      let j = i - 1;
      while (j >= start && (from[j] as number) > value) {
        from[j + 1] = from[j] as number;
        j--;
      }
      inversions += i - 1 - j;
      from[j + 1] = value;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let start = 0; start < n; start += 2 * width) {
      const middle = Math.min(start + width, n);
      const end = Math.min(start + 2 * width, n);
      let i = start;
      let j = middle;
      let k = start;
      while (i < middle && j < end) {
        // Equal values are taken from the left first: a tie is no inversion.
        if ((from[j] as number) < (from[i] as number)) {
          inversions += middle - i;
          to[k++] = from[j++] as number;
        } else to[k++] = from[i++] as number;
      }
      while (i < middle) to[k++] = from[i++] as number;
      while (j < end) to[k++] = from[j++] as number;
    }
    [from, to] = [to, from];
  }
  return { inversions, sorted: from };
}

/**
 * Over the groups of equal values of a sorted array: the tied pairs, Σ t(t − 1)/2, and the tie term of S's
 * variance, Σ t(t − 1)(2t + 5). Whole numbers, summed in one indexed pass with no array of group sizes: the
 * report reads each series once, before V8 optimizes this, where a list of thousands of sizes and loops of
 * for…of over it cost several milliseconds.
 */
function tieSums(sorted: Float64Array): { readonly pairs: number; readonly term: number } {
  let pairs = 0;
  let term = 0;
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[start]) {
      const t = i - start;
      pairs += (t * (t - 1)) / 2;
      term += t * (t - 1) * (2 * t + 5);
      start = i;
    }
  }
  return { pairs, term };
}

/**
 * Counts of the words with `a` zeros and `b` ones by inversions (a one before a zero): the Gaussian
 * binomial [a+b choose b]_q, the ways a group of tied larger values interleaves with the smaller ones.
 */
function interleavings(a: number, b: number): number[] {
  // row[j] holds the counts for words of i zeros and j ones; a last zero lies after all j ones.
  let row = Array.from({ length: b + 1 }, () => [1]);
  for (let i = 1; i <= a; i++) {
    const next: number[][] = [];
    for (let j = 0; j <= b; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      (row[j] as number[]).forEach((count, k) => (counts[k + j] = (counts[k + j] as number) + count));
      (next[j - 1] ?? []).forEach((count, k) => (counts[k] = (counts[k] as number) + count));
      next.push(counts);
    }
    row = next;
  }
  return row[b] as number[];
}

/**
 * Counts of the distinct arrangements of a multiset by inversions (q-multinomial coefficients): the exact
 * null of S. Groups of tied values are merged in one at a time; with no ties these are the Mahonian numbers.
 */
function inversionCounts(groupSizes: readonly number[]): number[] {
  let counts = [1];
  let placed = 0;
  for (const size of groupSizes) {
    const ways = interleavings(placed, size);
    const next = new Array<number>(counts.length + ways.length - 1).fill(0);
    counts.forEach((count, i) => ways.forEach((way, j) => (next[i + j] = (next[i + j] as number) + count * way)));
    counts = next;
    placed += size;
  }
  return counts;
}

function tieGroups(values: readonly number[]): number[] {
  const groups = new Map<number, number>();
  for (const value of values) groups.set(value, (groups.get(value) ?? 0) + 1);
  return [...groups.values()];
}

export function normalUpperTail(z: number): number {
  // Abramowitz–Stegun 7.1.26 erfc approximation: error below 1.5e-7, ample for a p-value threshold.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * One-sided Mann–Kendall p-value for a trend in `direction`. Exact null for n < 10, the normal
 * approximation with continuity and tie corrections above. Fewer than 4 points can show no trend.
 */
export function mannKendallP(values: readonly number[], direction: 'up' | 'down'): number {
  return mannKendallBoth(values)[direction];
}

/** Both one-sided p-values from one S and one count of ties: the rules ask for both of the same series. */
export function mannKendallBoth(values: readonly number[]): { readonly up: number; readonly down: number } {
  const n = values.length;
  if (n < 4) return { up: 1, down: 1 };
  if (n >= 10 && allFinite(values)) {
    const { inversions, sorted } = countInversions(values);
    const ties = tieSums(sorted);
    const s = (n * (n - 1)) / 2 - ties.pairs - 2 * inversions;
    return { up: approximateP(n, s, ties.term), down: approximateP(n, -s, ties.term) };
  }
  const s = kendallS(values);
  const groups = tieGroups(values);
  return { up: mannKendallFromS(n, s, groups), down: mannKendallFromS(n, -s, groups) };
}

function mannKendallFromS(n: number, s: number, groups: readonly number[]): number {
  if (n < 10) {
    // S = (pairs of unequal values) − 2·inversions, over the distinct arrangements of the values as they
    // are, ties included: the untied null misstates p (1/24 instead of 1/12 for 1, 2, 2, 3).
    const counts = inversionCounts(groups);
    const total = counts.reduce((sum, count) => sum + count, 0);
    const unequal = groups.reduce((pairs, t) => pairs - (t * (t - 1)) / 2, (n * (n - 1)) / 2);
    let atLeast = 0;
    for (let inversions = 0; inversions < counts.length; inversions++) if (unequal - 2 * inversions >= s) atLeast += counts[inversions] as number;
    return atLeast / total;
  }
  let tieTerm = 0;
  for (const t of groups) tieTerm += t * (t - 1) * (2 * t + 5);
  return approximateP(n, s, tieTerm);
}

/** The normal approximation's p of S, given the tie term Σ t(t − 1)(2t + 5) over the groups of ties (whole numbers, in any order). */
function approximateP(n: number, s: number, tieTerm: number): number {
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return 1;
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return normalUpperTail(z);
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: readonly number[]): number {
  const center = median(values);
  return median(values.map((value) => Math.abs(value - center)));
}

/**
 * The critical S of a two-sided Mann–Kendall test at level α: the smallest c with P(S ≥ c) ≤ α/2 under
 * no trend, exact for n < 10, from the normal approximation above (where it is c = z·√Var(S)).
 */
function kendallCritical(n: number, alpha: number): number {
  const pairs = (n * (n - 1)) / 2;
  if (n >= 10) return upperNormalQuantile(alpha / 2) * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const counts = inversionCounts(new Array<number>(n).fill(1));
  const total = counts.reduce((sum, count) => sum + count, 0);
  // S = pairs − 2·inversions, so P(S ≥ pairs − 2k) is the share of permutations with at most k inversions.
  let atMost = 0;
  for (let k = 0; k < counts.length; k++) {
    atMost += counts[k] as number;
    if (atMost / total > alpha / 2) return pairs - 2 * k + 2;
  }
  return pairs + 2;
}

/** z with P(Z ≥ z) = p, by bisection on the tail used for the p-values, so that both agree. */
function upperNormalQuantile(p: number): number {
  let low = 0;
  let high = 10;
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (normalUpperTail(middle) > p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

export interface TheilSen {
  readonly slope: number;
  /** Confidence interval of the slope (Sen 1968): order statistics of the pairwise slopes picked by the Kendall null. */
  readonly low: number;
  readonly high: number;
}

/**
 * Theil–Sen slope of y against x with a (1 − α) confidence interval. Robust to outliers, and its interval
 * needs no normality: exactly what a short, noisy eval curve allows. Pairs with equal x are skipped.
 */
export function theilSen(x: readonly number[], y: readonly number[], alpha = 0.1): TheilSen | undefined {
  const all = new Float64Array((x.length * (x.length - 1)) / 2);
  let count = 0;
  let anyNaN = false;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = (x[j] as number) - (x[i] as number);
      if (dx === 0) continue;
      const slope = ((y[j] as number) - (y[i] as number)) / dx;
      anyNaN ||= Number.isNaN(slope);
      all[count++] = slope;
    }
  }
  if (count === 0) return undefined;
  const ranks = theilSenRanks(x.length, count, alpha);
  const slopes = all.subarray(0, count);
  // Three or four order statistics of thousands of slopes: selected, not sorted (NaN has no order: sorted then).
  const at = anyNaN ? sortedOrder(slopes) : (k: number): number => orderStatistic(slopes, k);
  const middle = count >> 1;
  return { slope: count % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2, low: at(ranks.low), high: at(ranks.high) };
}

/** Where the interval's ends sit among `count` sorted slopes of `n` points (0-based). */
export function theilSenRanks(n: number, count: number, alpha: number): { readonly low: number; readonly high: number } {
  const critical = kendallCritical(n, alpha) - (n < 10 ? 2 : 0);
  // 1-based ranks M1 = (N − C)/2 and M2 + 1 = (N + C)/2 + 1 (Hollander & Wolfe); clamped to the slopes there are.
  return { low: Math.max(1, Math.floor((count - critical) / 2)) - 1, high: Math.min(count, Math.ceil((count + critical) / 2) + 1) - 1 };
}

function sortedOrder(values: Float64Array): (k: number) => number {
  const sorted = values.sort();
  return (k) => sorted[k] as number;
}

/**
 * The value a sort would put at k (0-based), by selection: any order of the values gives the same, so the
 * array is left as the selection leaves it for the next. A sort puts −0 before +0, which selection does not
 * tell apart: a zero found is given the sign the sort would give it.
 */
function orderStatistic(values: Float64Array, k: number): number {
  const value = select(values, k);
  if (value !== 0) return value;
  let belowPositiveZero = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < 0 || Object.is(v, -0)) belowPositiveZero++;
  }
  return k < belowPositiveZero ? -0 : 0;
}
