import { EXP_LIMIT, EXP_STEPS, EXP_TABLE } from './fastExp';
import type { DType } from './tensorInfo';
import { BIN_WIDTH, BINS, type TemperatureAccumulator } from './temperatureFit';

/** What one row of logits says about its label; reused between rows so the hot loop allocates nothing. */
export interface RowScore {
  argmax: number;
  /** log p(label) and max log p, from a numerically stable log-softmax. */
  labelLogProb: number;
  maxLogProb: number;
  entropy: number;
  /** How many logits are strictly above the label's: 0 when the label is the argmax. */
  rank: number;
  /** How many logits equal the label's, the label's own included: ties share their ranks. */
  ties: number;
  /** Σ p² over the vocabulary: the full Brier score of the row is Σ p² − 2·p(label) + 1. */
  sumSquaredProbabilities: number;
}

/** Numbers a batch scorer writes for each row (see RowBatchScorer). */
export const BATCH_SCORE_WIDTH = 7;
/** Numbers a batch scorer writes for each row of a temperature pass: the max, then Σw, Σw·u, Σw·u². */
export const TEMPERATURE_ROW_WIDTH = 4;

/**
 * Scores many rows at once (a SIMD kernel on the Node side). For each row whose label is ≥ 0, `scores` holds
 * at 7·row: the argmax, the max, Σ e^(z − max), Σ e^(z − max)·(z − max), how many logits are above the
 * label's, Σ e^(2(z − max)) and how many equal the label's (itself included); rows labelled -1 are left alone. Rows flagged 1 in `bin` also get the temperature fit's histogram
 * in `bins`, BINS counts, sums and sums of squares at 3·BINS·row, the argmax left out.
 */
export interface RowBatchScorer {
  scoreRows(
    logits: Float32Array,
    rows: number,
    vocab: number,
    labels: Int32Array,
    bin?: Int32Array,
  ): { readonly scores: Float64Array; readonly bins: Float64Array | undefined };
  /**
   * Puts `rows` rows of `vocab` logits, as stored (`dtype`), where the scorer reads them, widened to float32;
   * undefined for a dtype it does not widen (the caller decodes those).
   */
  load(bytes: Uint8Array, dtype: DType, rows: number, vocab: number): Float32Array | undefined;
  /** One pass of the exact temperature fit at inverse temperature `beta`: TEMPERATURE_ROW_WIDTH numbers a row, as temperatureRowSums. */
  temperatureRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array, beta: number): Float64Array;
  /**
   * The exact temperature fit's moments at inverse temperature `beta` of each row labelled ≥ 0, given its max
   * (`maxima`, one a row): MOMENTS numbers a row, as momentRowSums (temperatureMoments.ts).
   */
  momentRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array, maxima: Float64Array, beta: number): Float64Array;
}

/** A row's score from a batch scorer's seven numbers; the label's logit is read from the row itself. */
export function scoreFromBatch(out: Float64Array, at: number, labelLogit: number, score: RowScore): void {
  const max = out[at + 1] as number;
  const partition = out[at + 2] as number;
  const logPartition = Math.log(partition);
  score.argmax = out[at] as number;
  score.maxLogProb = -logPartition;
  score.labelLogProb = labelLogit - max - logPartition;
  score.entropy = logPartition - (out[at + 3] as number) / partition;
  score.rank = out[at + 4] as number;
  score.sumSquaredProbabilities = (out[at + 5] as number) / (partition * partition);
  score.ties = out[at + 6] as number;
}

export function emptyRowScore(): RowScore {
  return { argmax: -1, labelLogProb: NaN, maxLogProb: NaN, entropy: NaN, rank: 0, ties: 1, sumSquaredProbabilities: NaN };
}

/** The bin of a logit is its table index shifted right by this: EXP_STEPS · BIN_WIDTH = 16 steps a bin. */
const BIN_SHIFT = Math.log2(EXP_STEPS * BIN_WIDTH);
const TAIL = BINS - 1;
const INVERSE_STEPS = 1 / EXP_STEPS;

/**
 * Scores logits[start, start + vocab) against `label` in two passes: the first finds the max and the first
 * index holding it (numpy's and torch's argmax), the second sums e^(z − max) for the log partition, the
 * entropy and (squared) the full Brier score, counts the logits above and equal to the label's, and bins the
 * rest for the temperature fit. A NaN logit makes
 * the row's statistics NaN, as in torch.
 */
export function scoreRow(
  logits: Float32Array,
  start: number,
  vocab: number,
  label: number,
  score: RowScore,
  temperature: TemperatureAccumulator | undefined,
): void {
  const end = start + vocab;
  let max = -Infinity;
  let argmax = start;
  for (let i = start; i < end; i++) {
    const value = logits[i] as number;
    if (value > max) {
      max = value;
      argmax = i;
    }
  }
  const labelLogit = logits[start + label] as number;
  let partition = 0;
  let weighted = 0;
  let squares = 0;
  let above = 0;
  let ties = 0;
  let invalid = false;
  const table = EXP_TABLE;
  if (temperature === undefined) {
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      if (value > labelLogit) above++;
      else if (value === labelLogit) ties++;
      const scaled = (max - value) * EXP_STEPS;
      if (!(scaled < EXP_LIMIT)) {
        invalid ||= value !== value;
        continue;
      }
      const k = scaled | 0;
      const r = (k - scaled) * INVERSE_STEPS;
      const e = (table[k] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
      partition += e;
      weighted += e * (value - max);
      squares += e * e;
    }
  } else {
    const { count, sum, sumSquares } = temperature;
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      if (value > labelLogit) above++;
      else if (value === labelLogit) ties++;
      const u = value - max;
      const scaled = -u * EXP_STEPS;
      let bin = TAIL;
      if (scaled < EXP_LIMIT) {
        const k = scaled | 0;
        const r = (k - scaled) * INVERSE_STEPS;
        const e = (table[k] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
        partition += e;
        weighted += e * u;
        squares += e * e;
        // A shift and a compare, and the argmax taken out once after the loop: no per-logit Math.min or index test.
        bin = k >> BIN_SHIFT < TAIL ? k >> BIN_SHIFT : TAIL;
      } else {
        invalid ||= value !== value;
        if (u === -Infinity) continue;
      }
      count[bin] = (count[bin] as number) + 1;
      sum[bin] = (sum[bin] as number) + u;
      sumSquares[bin] = (sumSquares[bin] as number) + u * u;
    }
    // The argmax (u = 0, bin 0) was binned with the rest; the fit counts it exactly instead.
    count[0] = (count[0] as number) - 1;
  }
  if (invalid || max === -Infinity || max !== max) partition = NaN;
  const logPartition = Math.log(partition);
  score.argmax = argmax - start;
  score.maxLogProb = -logPartition;
  score.labelLogProb = labelLogit - max - logPartition;
  temperature?.finishRow(labelLogit - max, -score.labelLogProb);
  score.entropy = logPartition - weighted / partition;
  score.rank = above;
  score.ties = ties;
  score.sumSquaredProbabilities = squares / (partition * partition);
}

/**
 * One row of a temperature pass at inverse temperature β, exact in float64: with u = z − max and w = e^(β·u),
 * writes the max, Σw, Σw·u and Σw·u² at `at`. The row's NLL at T = 1/β is log Σw − β·u(label); its first two
 * derivatives in β are Σw·u/Σw − u(label) and the variance Σw·u²/Σw − (Σw·u/Σw)² (so the fit is convex in β).
 */
export function temperatureRowSums(logits: Float32Array, start: number, vocab: number, beta: number, out: Float64Array, at: number): void {
  const end = start + vocab;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const value = logits[i] as number;
    if (value > max || value !== value) max = value;
    if (max !== max) break;
  }
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  const table = EXP_TABLE;
  const scale = beta * EXP_STEPS;
  for (let i = start; i < end; i++) {
    const u = (logits[i] as number) - max;
    const scaled = -u * scale;
    if (!(scaled < EXP_LIMIT)) continue;
    const k = scaled | 0;
    const r = (k - scaled) * INVERSE_STEPS;
    const w = (table[k] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
    s0 += w;
    s1 += w * u;
    s2 += w * u * u;
  }
  out[at] = max;
  out[at + 1] = max === max ? s0 : NaN;
  out[at + 2] = s1;
  out[at + 3] = s2;
}
