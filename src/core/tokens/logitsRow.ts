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
}

/**
 * Scores many rows at once (a SIMD kernel on the Node side). For each row whose label is ≥ 0, `scores` holds
 * at 5·row: the argmax, the max, Σ e^(z − max), Σ e^(z − max)·(z − max) and how many logits are above the
 * label's; rows labelled -1 are left alone. Rows flagged 1 in `bin` also get the temperature fit's histogram
 * in `bins`, BINS counts, sums and sums of squares at 3·BINS·row, the argmax left out.
 */
export interface RowBatchScorer {
  scoreRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array, bin?: Int32Array): { readonly scores: Float64Array; readonly bins: Float64Array | undefined };
  /**
   * Puts `rows` rows of `vocab` logits, as stored (`dtype`), where the scorer reads them, widened to float32;
   * undefined for a dtype it does not widen (the caller decodes those).
   */
  load(bytes: Uint8Array, dtype: DType, rows: number, vocab: number): Float32Array | undefined;
}

/** A row's score from a batch scorer's five numbers; the label's logit is read from the row itself. */
export function scoreFromBatch(out: Float64Array, at: number, labelLogit: number, score: RowScore): void {
  const max = out[at + 1] as number;
  const partition = out[at + 2] as number;
  const logPartition = Math.log(partition);
  score.argmax = out[at] as number;
  score.maxLogProb = -logPartition;
  score.labelLogProb = labelLogit - max - logPartition;
  score.entropy = logPartition - (out[at + 3] as number) / partition;
  score.rank = out[at + 4] as number;
}

export function emptyRowScore(): RowScore {
  return { argmax: -1, labelLogProb: NaN, maxLogProb: NaN, entropy: NaN, rank: 0 };
}

/** The bin of a logit is its table index shifted right by this: EXP_STEPS · BIN_WIDTH = 16 steps a bin. */
const BIN_SHIFT = Math.log2(EXP_STEPS * BIN_WIDTH);
const TAIL = BINS - 1;
const INVERSE_STEPS = 1 / EXP_STEPS;

/**
 * Scores logits[start, start + vocab) against `label` in two passes: the first finds the max and the first
 * index holding it (numpy's and torch's argmax), the second sums e^(z − max) for the log partition and the
 * entropy, counts the logits above the label's, and bins the rest for the temperature fit. A NaN logit makes
 * the row's statistics NaN, as in torch.
 */
export function scoreRow(logits: Float32Array, start: number, vocab: number, label: number, score: RowScore, temperature: TemperatureAccumulator | undefined): void {
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
  let above = 0;
  let invalid = false;
  const table = EXP_TABLE;
  if (temperature === undefined) {
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      if (value > labelLogit) above++;
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
    }
  } else {
    const { count, sum, sumSquares } = temperature;
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      if (value > labelLogit) above++;
      const u = value - max;
      const scaled = -u * EXP_STEPS;
      let bin = TAIL;
      if (scaled < EXP_LIMIT) {
        const k = scaled | 0;
        const r = (k - scaled) * INVERSE_STEPS;
        const e = (table[k] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
        partition += e;
        weighted += e * u;
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
}
