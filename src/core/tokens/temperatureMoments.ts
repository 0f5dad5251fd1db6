import { EXP_LIMIT, EXP_STEPS, EXP_TABLE } from './fastExp';

/**
 * The exact temperature fit without streaming the logits again for each candidate T. During the scoring pass
 * each row keeps, at an anchor β₀, the eleven moments M_k = Σ w·u^k (u = z − max ≤ 0, w = e^(β₀·u), k = 0..10).
 * The sums the fit needs at any β, S_m(β) = Σ e^(β·u)·u^m for m = 0, 1, 2, are the Taylor series
 * Σ_k (β − β₀)^k / k! · M_(k+m), taken up to M_9, whose remainder is bounded by Lagrange's form with M_10:
 * |R_m| ≤ |δ|^(10−m) / (10−m)! · |M_10| · e^(max(0, −δ)·U), δ = β − β₀, U the largest |u| that was summed
 * (every term of M_k has the sign of (−1)^k, so |M_10| is Σ w·|u|^10). A row is used at β only when each of
 * its three sums is certified to `EXPANSION_TOLERANCE` of itself plus S_0; the rows that are not are read again and
 * their moments retaken at that β (where the series is its first term, exact), so every value the fit uses
 * is the exact sum within 1e-10 of itself, or the exact sum. Anchors come from the fit of the rows scored so
 * far, so that usually only the first rows of an evaluation are read again.
 */
export const MOMENTS = 11;
/** Relative error allowed in each certified sum: far below the 1e-6 in T the fit promises. */
export const EXPANSION_TOLERANCE = 1e-10;
/** What the series of the rows that choose the next anchor must hold to. */
const ANCHOR_TOLERANCE = 1e-4;
/** Rows anchored farther than this share of β from it, whose series do not hold there, may be left out of an anchor's estimate. */
const FAR_ANCHOR = 0.2;
/** Logits with β₀·u below this weigh nothing in the moments (e^-87 against the max's 1), as in the kernel. */
export const MOMENT_CUTOFF = 87;
/** u is clamped here, as in the kernel, so that −inf logits (masked tokens) give 0, not −inf·0. */
const U_FLOOR = -30000;
/** Numbers kept for each scored row: its anchor β₀, its max, z(label) − max, then the moments. */
const STRIDE = 3 + MOMENTS;
const LAST = MOMENTS - 1;
const FACTORIAL = Array.from({ length: MOMENTS + 1 }, (_, k) => Array.from({ length: k }, (__, i) => i + 1).reduce((a, b) => a * b, 1));
const INVERSE_STEPS = 1 / EXP_STEPS;

/**
 * One row's moments at β in float64 (the scalar path; the kernel's momentRows does the same in float32 lanes):
 * with u = max(z − max, −30000) and w = e^(β·u), zero where β·u < −87, writes Σ w·u^k, k = 0..10, at `at`.
 */
export function momentRowSums(logits: Float32Array, start: number, vocab: number, max: number, beta: number, out: Float64Array, at: number): void {
  out.fill(0, at, at + MOMENTS);
  const table = EXP_TABLE;
  const scale = beta * EXP_STEPS;
  for (let i = start; i < start + vocab; i++) {
    const u = Math.max((logits[i] as number) - max, U_FLOOR);
    let w: number;
    if (u !== u) w = NaN;
    else {
      const scaled = -u * scale;
      if (!(scaled < EXP_LIMIT) || beta * u < -MOMENT_CUTOFF) continue;
      const k = scaled | 0;
      const r = (k - scaled) * INVERSE_STEPS;
      w = (table[k] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
    }
    for (let m = 0; m < MOMENTS; m++) {
      out[at + m] = (out[at + m] as number) + w;
      w *= u;
    }
  }
}

/** Where the fit's sums of one evaluation are wanted next: exact sums over all rows, or rows to read again. */
export type ExpansionOutcome =
  | { readonly certified: true; readonly nll: number; readonly slope: number; readonly curvature: number; readonly rows: number }
  | { readonly certified: false; readonly firstToken: number; readonly endToken: number };

/** The moments of every scored row of one evaluation, in the order rows were scored. */
export class TemperatureMoments {
  private data = new Float64Array(STRIDE * 1024);
  private rowOf = new Float64Array(1024);
  private count = 0;
  private readonly sums = new Float64Array(3);

  /** `vocab`: logits a row, which bounds what the cut-off left out. */
  constructor(private readonly vocab: number) {}

  get tokens(): number {
    return this.count;
  }

  /** The row of logits scored token `token` came from. */
  row(token: number): number {
    return this.rowOf[token] as number;
  }

  /** The first token scored from row `row` or later (tokens are in row order). */
  tokenAtOrAfter(row: number): number {
    let [low, high] = [0, this.count];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.rowOf[middle] as number) < row) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  max(token: number): number {
    return this.data[STRIDE * token + 1] as number;
  }

  /** Adds the next scored token (from logits row `row`), its moments at `anchor` read from `moments` at `at`. */
  push(row: number, anchor: number, max: number, labelGap: number, moments: Float64Array, at: number): void {
    if (this.count === this.rowOf.length) {
      const rows = new Float64Array(this.rowOf.length * 2);
      rows.set(this.rowOf);
      this.rowOf = rows;
      const data = new Float64Array(this.data.length * 2);
      data.set(this.data);
      this.data = data;
    }
    this.rowOf[this.count] = row;
    const base = STRIDE * this.count++;
    this.data[base + 1] = max;
    this.data[base + 2] = labelGap;
    this.retake(this.count - 1, anchor, moments, at);
  }

  /** Replaces token `token`'s moments with ones taken at `anchor`. */
  retake(token: number, anchor: number, moments: Float64Array, at: number): void {
    const base = STRIDE * token;
    this.data[base] = anchor;
    this.data.set(moments.subarray(at, at + MOMENTS), base + 3);
  }

  /**
   * The mean NLL at β and its first two derivatives over tokens [first, end), when every row's sums are
   * certified; else the span of tokens whose moments must be retaken at β. A NaN row is never retaken
   * (reading it again gives NaN again): its NaN reaches the fit, which then gives no temperature.
   */
  evaluate(beta: number, first = 0, end = this.count): ExpansionOutcome {
    let [nll, slope, curvature] = [0, 0, 0];
    let [firstFailing, endFailing] = [-1, -1];
    for (let token = first; token < end; token++) {
      const base = STRIDE * token;
      const certified = this.sumsAt(base, beta, EXPANSION_TOLERANCE);
      if (!certified) {
        if (firstFailing < 0) firstFailing = token;
        endFailing = token + 1;
        continue;
      }
      const [s0, s1, s2] = [this.sums[0] as number, this.sums[1] as number, this.sums[2] as number];
      const labelGap = this.data[base + 2] as number;
      const mean = s1 / s0;
      nll += Math.log(s0) - beta * labelGap;
      slope += mean - labelGap;
      curvature += Math.max(0, s2 / s0 - mean * mean);
    }
    if (firstFailing >= 0) return { certified: false, firstToken: firstFailing, endToken: endFailing };
    return { certified: true, nll, slope, curvature, rows: end - first };
  }

  /** Whether token `token`'s series hold at β (to the tolerance a candidate needs). */
  holds(token: number, beta: number): boolean {
    return this.sumsAt(STRIDE * token, beta, EXPANSION_TOLERANCE);
  }

  /**
   * The β minimizing the mean NLL of tokens [first, end), by a few Newton steps from `beta`: each row's slope
   * and curvature from its series where they hold to 1e-4, else its slope taken at its own anchor (exact
   * there) carried on along its curvature. This only chooses anchors, which need to be near, not exact; every
   * row counts, so that the rows whose series reach far do not choose alone, except rows anchored far from
   * `beta` (by more than FAR_ANCHOR of it) whose series do not hold, while they are at most half: carried
   * on along their curvature from so far, their slopes pulled every estimate one way (on the fp16
   * [8192 × 32000] benchmark the first 256 rows, anchored at 1, held the anchors of the next 3,800 at 2.88–2.95
   * when the fit was 3.009, and 1,765 rows were read again in three passes; left out, 512 rows in one).
   */
  estimate(beta: number, first = 0, end = this.count): number {
    let far = 0;
    for (let token = first; token < end; token++) if (this.farFrom(token, beta)) far++;
    const leaveFar = 2 * far <= end - first;
    let current = beta;
    for (let step = 0; step < 8; step++) {
      let [slope, curvature] = [0, 0];
      for (let token = first; token < end; token++) {
        const base = STRIDE * token;
        const labelGap = this.data[base + 2] as number;
        if (this.sumsAt(base, current, ANCHOR_TOLERANCE)) {
          const [s0, s1, s2] = [this.sums[0] as number, this.sums[1] as number, this.sums[2] as number];
          const mean = s1 / s0;
          slope += mean - labelGap;
          curvature += Math.max(0, s2 / s0 - mean * mean);
          continue;
        }
        if (leaveFar && this.farFrom(token, beta)) continue;
        const [m0, m1, m2] = [this.data[base + 3] as number, this.data[base + 4] as number, this.data[base + 5] as number];
        const variance = Math.max(0, m2 / m0 - (m1 / m0) ** 2);
        slope += m1 / m0 - labelGap + variance * (current - (this.data[base] as number));
        curvature += variance;
      }
      if (!(curvature > 0)) return current;
      const next = current - slope / curvature;
      if (!Number.isFinite(next)) return current;
      // Steps are held within a factor of 2: far from the anchors the series say little.
      const held = Math.min(20, Math.max(0.05, Math.min(2 * current, Math.max(0.5 * current, next))));
      const done = Math.abs(held - current) <= 1e-6 * current;
      current = held;
      if (done) break;
    }
    return current;
  }

  /** Whether token `token`'s anchor lies farther from β than FAR_ANCHOR of β. */
  private farFrom(token: number, beta: number): boolean {
    return Math.abs((this.data[STRIDE * token] as number) - beta) > FAR_ANCHOR * beta;
  }

  /** S_0, S_1, S_2 of the row at `base` at β into `sums`; whether each holds to `tolerance` (NaN rows count as holding). */
  private sumsAt(base: number, beta: number, tolerance: number): boolean {
    const data = this.data;
    const anchor = data[base] as number;
    const delta = beta - anchor;
    const moment = base + 3;
    const largest = Math.min(-U_FLOOR, MOMENT_CUTOFF / anchor);
    const growth = delta < 0 ? Math.exp(-delta * largest) : 1;
    // What the cut-off left out: at most `vocab` logits with u ≤ −87/β₀, each e^(β·u)·|u|^m at most.
    const cut = this.vocab * Math.exp((-MOMENT_CUTOFF * beta) / anchor);
    const top = Math.abs(data[moment + LAST] as number);
    let certified = true;
    for (let m = 0; m < 3; m++) {
      let sum = 0;
      let power = 1;
      for (let k = 0; k + m < LAST; k++) {
        sum += (power / (FACTORIAL[k] as number)) * (data[moment + k + m] as number);
        power *= delta;
      }
      this.sums[m] = sum;
      const order = LAST - m;
      const remainder = (Math.abs(delta) ** order / (FACTORIAL[order] as number)) * top * growth + cut * largest ** m;
      // S_1 and S_2 are held to the tolerance of S_0 as well: the fit uses S_1/S_0 and S_2/S_0, and S_1 is 0 on a flat row.
      if (remainder > tolerance * (Math.abs(sum) + (this.sums[0] as number))) certified = false;
    }
    return certified;
  }
}
