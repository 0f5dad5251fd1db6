/** Small, exact statistics the warning rules rest on (see WARNINGS.md in the docs). */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
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
  const diffs = values.slice(1).map((value, i) => value - (values[i] as number));
  const center = median(diffs);
  return (1.4826 * median(diffs.map((d) => Math.abs(d - center)))) / Math.SQRT2;
}

/** lvl(x): the median of the last ⌈m/2⌉ points. */
export function level(values: readonly number[]): number {
  return median(values.slice(values.length - Math.ceil(values.length / 2)));
}

function kendallS(values: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) s += Math.sign((values[j] as number) - (values[i] as number));
  }
  return s;
}

/** Counts of permutations of n items by number of inversions (Mahonian numbers): the exact null of S. */
function inversionCounts(n: number): number[] {
  let counts = [1];
  for (let k = 2; k <= n; k++) {
    const next = new Array<number>(counts.length + k - 1).fill(0);
    for (let i = 0; i < counts.length; i++) for (let j = 0; j < k; j++) next[i + j] = (next[i + j] as number) + (counts[i] as number);
    counts = next;
  }
  return counts;
}

function normalUpperTail(z: number): number {
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
  const n = values.length;
  if (n < 4) return 1;
  const s = direction === 'up' ? kendallS(values) : -kendallS(values);
  if (n < 10) {
    // S = pairs in order − pairs out of order = n(n−1)/2 − 2·inversions.
    const counts = inversionCounts(n);
    const total = counts.reduce((sum, count) => sum + count, 0);
    const pairs = (n * (n - 1)) / 2;
    let atLeast = 0;
    for (let inversions = 0; inversions < counts.length; inversions++) if (pairs - 2 * inversions >= s) atLeast += counts[inversions] as number;
    return atLeast / total;
  }
  const ties = new Map<number, number>();
  for (const value of values) ties.set(value, (ties.get(value) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return 1;
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return normalUpperTail(z);
}
