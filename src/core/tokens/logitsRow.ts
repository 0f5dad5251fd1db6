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

export function emptyRowScore(): RowScore {
  return { argmax: -1, labelLogProb: NaN, maxLogProb: NaN, entropy: NaN, rank: 0 };
}

const INVERSE_WIDTH = 1 / BIN_WIDTH;
const TAIL = BINS - 1;

/**
 * Scores logits[start, start + vocab) against `label` in two passes: the first finds the max and the first
 * index holding it (numpy's and torch's argmax), the second sums e^(z − max) for the log partition and the
 * entropy, counts the logits above the label's, and bins the rest for the temperature fit.
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
  if (temperature === undefined) {
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      const u = value - max;
      const e = Math.exp(u);
      partition += e;
      weighted += e * u;
      if (value > labelLogit) above++;
    }
  } else {
    const { count, sum, sumSquares } = temperature;
    for (let i = start; i < end; i++) {
      const value = logits[i] as number;
      const u = value - max;
      const e = Math.exp(u);
      partition += e;
      weighted += e * u;
      if (value > labelLogit) above++;
      if (i === argmax) continue;
      const bin = Math.min(TAIL, Math.floor(-u * INVERSE_WIDTH));
      count[bin] = (count[bin] as number) + 1;
      sum[bin] = (sum[bin] as number) + u;
      sumSquares[bin] = (sumSquares[bin] as number) + u * u;
    }
    temperature.finishRow(labelLogit - max);
  }
  const logPartition = Math.log(partition);
  score.argmax = argmax - start;
  score.maxLogProb = -logPartition;
  score.labelLogProb = labelLogit - max - logPartition;
  score.entropy = logPartition - weighted / partition;
  score.rank = above;
}
