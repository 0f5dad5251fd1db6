/**
 * Temperature scaling fitted in one streaming pass. NLL(T) needs every logit again for each T, so each row's
 * logits are kept as a histogram of u = z − max (bins of 1/4 nat, with their count, mean and variance); for
 * each T on a log-spaced grid, Σ e^(u/T) over a bin is n·e^(ū/T)·(1 + σ²/2T²), accurate to third order in the
 * bin width. The argmax itself and the label term are exact. The minimum is refined by a parabola in log T.
 * Binning costs as much as the log-softmax itself, so a large evaluation bins a hashed sample of about
 * `TEMPERATURE_SAMPLE_ROWS` rows: one parameter is fitted as well from it, and the scaled loss of the
 * whole evaluation is its raw loss less the gain the sample shows.
 */
export const TEMPERATURES: readonly number[] = Array.from({ length: 33 }, (_, k) => 2 ** (-2 + (k * 5) / 32));
const STEP_LOG = (5 / 32) * Math.LN2;
export const BIN_WIDTH = 0.25;
/** u ≤ −48 falls in one tail bin: e^(−48/T) is negligible for every T on the grid but the largest. */
export const BINS = 193;
export const TEMPERATURE_SAMPLE_ROWS = 8192;

export interface TemperatureResult {
  readonly temperature: number;
  /** Mean NLL after dividing the logits by `temperature`. */
  readonly nll: number;
  /** Rows the fit used: all of them, or a sample of about 8,192 of a large evaluation. */
  readonly sampledRows: number;
  /** True when the best T is at an end of the grid [0.25, 8]: the true optimum may lie beyond. */
  readonly atGridEdge: boolean;
}

export class TemperatureAccumulator {
  readonly count = new Float64Array(BINS);
  readonly sum = new Float64Array(BINS);
  readonly sumSquares = new Float64Array(BINS);
  private readonly logPartition = new Float64Array(TEMPERATURES.length);
  private readonly inverse = TEMPERATURES.map((t) => 1 / t);
  private readonly partial = new Float64Array(TEMPERATURES.length);
  private labelGapSum = 0;
  private rawNllSum = 0;
  private rows = 0;

  /** Closes a row whose non-argmax logits were binned; `labelGap` is z_label − max (≤ 0), `rawNll` its NLL at T = 1. Clears the bins. */
  finishRow(labelGap: number, rawNll: number): void {
    const temperatures = this.inverse.length;
    const partial = this.partial.fill(1);
    for (let b = 0; b < BINS; b++) {
      const n = this.count[b] as number;
      if (n === 0) continue;
      const mean = (this.sum[b] as number) / n;
      const variance = Math.max(0, (this.sumSquares[b] as number) / n - mean * mean);
      for (let k = 0; k < temperatures; k++) {
        const inverse = this.inverse[k] as number;
        partial[k] = (partial[k] as number) + n * Math.exp(mean * inverse) * (1 + 0.5 * variance * inverse * inverse);
      }
      this.count[b] = 0;
      this.sum[b] = 0;
      this.sumSquares[b] = 0;
    }
    for (let k = 0; k < temperatures; k++) this.logPartition[k] = (this.logPartition[k] as number) + Math.log(partial[k] as number);
    this.labelGapSum += labelGap;
    this.rawNllSum += rawNll;
    this.rows++;
  }

  nllAt(index: number): number {
    return ((this.logPartition[index] as number) - this.labelGapSum * (this.inverse[index] as number)) / this.rows;
  }

  /** The fit, with the scaled NLL carried over to an evaluation whose raw mean NLL is `rawNll`. */
  result(rawNll: number): TemperatureResult | undefined {
    if (this.rows === 0) return undefined;
    const fit = this.fit();
    const gain = this.rawNllSum / this.rows - fit.nll;
    return { temperature: fit.temperature, nll: rawNll - gain, sampledRows: this.rows, atGridEdge: fit.atGridEdge };
  }

  private fit(): { temperature: number; nll: number; atGridEdge: boolean } {
    let best = 0;
    for (let k = 1; k < TEMPERATURES.length; k++) if (this.nllAt(k) < this.nllAt(best)) best = k;
    const edge = best === 0 || best === TEMPERATURES.length - 1;
    if (edge) return { temperature: TEMPERATURES[best] as number, nll: this.nllAt(best), atGridEdge: true };
    const [left, middle, right] = [this.nllAt(best - 1), this.nllAt(best), this.nllAt(best + 1)];
    const curvature = left - 2 * middle + right;
    if (!(curvature > 0)) return { temperature: TEMPERATURES[best] as number, nll: middle, atGridEdge: false };
    const shift = (0.5 * (left - right)) / curvature;
    return { temperature: (TEMPERATURES[best] as number) * Math.exp(shift * STEP_LOG), nll: middle - ((left - right) * (left - right)) / (8 * curvature), atGridEdge: false };
  }
}
