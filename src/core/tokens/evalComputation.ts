import { labelIndexFor, type EvalPlan } from './evalPlan';
import { emptyRowScore, scoreRow } from './logitsRow';
import { TemperatureAccumulator } from './temperatureFit';
import { TokenAccumulator, type TokenSummary } from './tokenStatistics';

/** What an evaluation yields: its summary, the per-token correctness (for McNemar) and what was skipped. */
export interface EvalResult {
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
  /** Labels outside [0, vocab) that are not the ignore index: counted, not scored. */
  readonly outOfRangeLabels: number;
}

/**
 * Scores one evaluation. The labels (small) are held whole; logits (large) arrive in chunks of whole rows, in
 * order, so memory stays at one chunk whatever the file's size.
 */
export class EvalComputation {
  private readonly tokens = new TokenAccumulator();
  private readonly temperature: TemperatureAccumulator | undefined;
  private readonly score = emptyRowScore();
  private outOfRange = 0;

  constructor(
    private readonly plan: EvalPlan,
    private readonly labels: Float64Array,
    options: { readonly temperature: boolean } = { temperature: true },
  ) {
    this.temperature = options.temperature && plan.form === 'logits' ? new TemperatureAccumulator() : undefined;
  }

  private labelFor(row: number): number | undefined {
    const index = labelIndexFor(this.plan, row);
    if (index === undefined) return undefined;
    const label = this.labels[index] as number;
    return label === this.plan.ignoreIndex ? undefined : label;
  }

  /** Predictions, with ℓ and m for the compact form; all at once (they are per token, not per logit). */
  addPredictions(predictions: Float64Array, labelLogProbs?: Float32Array, maxLogProbs?: Float32Array): void {
    for (let row = 0; row < predictions.length; row++) {
      const label = this.labelFor(row);
      if (label === undefined) continue;
      const isCorrect = predictions[row] === label;
      if (labelLogProbs !== undefined && maxLogProbs !== undefined) this.tokens.addProbabilities(isCorrect, labelLogProbs[row] as number, maxLogProbs[row] as number);
      else this.tokens.addPrediction(isCorrect);
    }
  }

  /** Rows firstRow.. of logits, `rows.length / vocab` of them. */
  addLogitRows(rows: Float32Array, firstRow: number): void {
    const vocab = this.plan.vocab;
    const count = Math.floor(rows.length / vocab);
    for (let r = 0; r < count; r++) {
      const label = this.labelFor(firstRow + r);
      if (label === undefined) continue;
      if (!(label >= 0 && label < vocab && Number.isInteger(label))) {
        this.outOfRange++;
        continue;
      }
      scoreRow(rows, r * vocab, vocab, label, this.score, this.temperature);
      this.tokens.addProbabilities(this.score.argmax === label, this.score.labelLogProb, this.score.maxLogProb);
      this.tokens.addLogitExtras(this.score.entropy, this.score.rank);
    }
  }

  finish(): EvalResult {
    return { summary: this.tokens.summary(this.temperature?.result()), correctness: this.tokens.correctnessView(), outOfRangeLabels: this.outOfRange };
  }
}
