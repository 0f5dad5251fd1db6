import { labelIndexFor, type EvalPlan } from './evalPlan';
import { BATCH_SCORE_WIDTH, emptyRowScore, scoreFromBatch, scoreRow, temperatureRowSums, TEMPERATURE_ROW_WIDTH, type RowBatchScorer } from './logitsRow';
import { BINS, ExactTemperatureFit, TEMPERATURE_SAMPLE_ROWS, TemperatureAccumulator } from './temperatureFit';
import { SequenceRunsBuilder, type SequenceRuns } from './sequenceRuns';
import { TokenAccumulator, type TokenSummary } from './tokenStatistics';
import { TokenRecordsBuilder, type TokenRecords } from './tokenRecords';

/** What an evaluation yields: its summary, the per-token correctness (for McNemar) and what was skipped. */
export interface EvalResult {
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
  /** The sequence of each scored token; undefined when the outputs do not say (flat tokens without `sequence_index`). */
  readonly sequences: SequenceRuns | undefined;
  /** Labels outside [0, vocab) that are not the ignore index: counted, not scored. */
  readonly outOfRangeLabels: number;
  /** Each scored token's label, place and probabilities, for the per-token analysis; undefined past MAX_RECORD_TOKENS. */
  readonly records: TokenRecords | undefined;
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
  /** Rows whose hash falls below this feed the temperature fit: all of them unless the evaluation is large. */
  private readonly sampleBelow: number;
  private scored = 0;
  private readonly batch: RowBatchScorer | undefined;
  private readonly sequences: SequenceRunsBuilder | undefined;
  private readonly sequenceIndex: Float64Array | undefined;
  private exact: ExactTemperatureFit | undefined;
  private passOpen = false;
  private readonly passSums = new Float64Array(TEMPERATURE_ROW_WIDTH);
  private readonly records: TokenRecordsBuilder;

  /** `sequenceIndex`: the compact form's sequence of each row, when the outputs carry one. */
  constructor(
    private readonly plan: EvalPlan,
    private readonly labels: Float64Array,
    options: { readonly temperature: boolean; readonly batch?: RowBatchScorer; readonly sequenceIndex?: Float64Array } = { temperature: true },
  ) {
    this.batch = options.batch;
    this.records = new TokenRecordsBuilder(labels.length);
    this.sequenceIndex = options.sequenceIndex?.length === labels.length ? options.sequenceIndex : undefined;
    // [batch, seq] outputs carry their sequences in their shape; flat ones only in a `sequence_index` array.
    this.sequences = plan.labels.shape.length === 2 || this.sequenceIndex !== undefined ? new SequenceRunsBuilder() : undefined;
    this.temperature = options.temperature && plan.form === 'logits' ? new TemperatureAccumulator() : undefined;
    this.sampleBelow = Math.min(1, TEMPERATURE_SAMPLE_ROWS / (plan.sequences * plan.sequenceLength)) * 4294967296;
  }

  /** Records the sequence of a token just added (row `row`; with a shift its label is in the same sequence), and its NLL. */
  private addSequence(row: number, nll?: number): void {
    this.sequences?.push(this.sequenceIndex === undefined ? Math.floor(row / this.plan.sequenceLength) : (this.sequenceIndex[row] as number), nll);
  }

  /** Records a token just added (tokenRecords.ts). */
  private record(row: number, label: number, labelLogProb?: number, maxLogProb?: number): void {
    const flat = this.plan.labels.shape.length !== 2;
    const index = labelIndexFor(this.plan, row) ?? row;
    this.records.push(label, index, flat ? undefined : this.plan.sequenceLength, this.sequenceIndex?.[row], labelLogProb, maxLogProb);
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
      if (labelLogProbs !== undefined && maxLogProbs !== undefined) {
        this.tokens.addProbabilities(isCorrect, labelLogProbs[row] as number, maxLogProbs[row] as number);
        this.addSequence(row, -(labelLogProbs[row] as number));
        this.record(row, label, labelLogProbs[row], maxLogProbs[row]);
      } else {
        this.tokens.addPrediction(isCorrect);
        this.addSequence(row);
        this.record(row, label);
      }
    }
  }

  /** Rows firstRow.. of logits, `rows.length / vocab` of them. */
  addLogitRows(rows: Float32Array, firstRow: number): void {
    if (this.batch !== undefined) return this.addLogitRowsInBatch(rows, firstRow, this.batch);
    const vocab = this.plan.vocab;
    const count = Math.floor(rows.length / vocab);
    for (let r = 0; r < count; r++) {
      const label = this.scorableLabel(firstRow + r, vocab);
      if (label === undefined) continue;
      scoreRow(rows, r * vocab, vocab, label, this.score, rowHash(this.scored++) < this.sampleBelow ? this.temperature : undefined);
      this.tokens.addProbabilities(this.score.argmax === label, this.score.labelLogProb, this.score.maxLogProb);
      this.tokens.addLogitExtras(this.score.entropy, this.score.rank, this.score.ties, this.score.sumSquaredProbabilities, this.score.labelLogProb);
      this.addSequence(firstRow + r, -this.score.labelLogProb);
      this.record(firstRow + r, label, this.score.labelLogProb, this.score.maxLogProb);
    }
  }

  /** The label of a logits row when it is scored: masked rows give none, labels outside the vocabulary are counted. */
  private scorableLabel(row: number, vocab: number): number | undefined {
    const label = this.labelFor(row);
    if (label === undefined) return undefined;
    if (label >= 0 && label < vocab && Number.isInteger(label)) return label;
    this.outOfRange++;
    return undefined;
  }

  /**
   * The same, with the batch scorer doing the work (and binning the rows sampled for the temperature fit).
   * Tokens are still added in row order, so per-token correctness lines up between evaluations.
   */
  private addLogitRowsInBatch(rows: Float32Array, firstRow: number, batch: RowBatchScorer): void {
    const vocab = this.plan.vocab;
    const count = Math.floor(rows.length / vocab);
    const labels = new Int32Array(count).fill(-1);
    const bin = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const label = this.scorableLabel(firstRow + r, vocab);
      if (label === undefined) continue;
      labels[r] = label;
      if (this.temperature !== undefined && rowHash(this.scored++) < this.sampleBelow) bin[r] = 1;
    }
    const { scores, bins } = batch.scoreRows(rows, count, vocab, labels, this.temperature === undefined ? undefined : bin);
    for (let r = 0; r < count; r++) {
      const label = labels[r] as number;
      if (label < 0) continue;
      const labelLogit = rows[r * vocab + label] as number;
      scoreFromBatch(scores, BATCH_SCORE_WIDTH * r, labelLogit, this.score);
      if (bin[r] === 1 && bins !== undefined && this.temperature !== undefined) {
        const at = 3 * BINS * r;
        this.temperature.count.set(bins.subarray(at, at + BINS));
        this.temperature.sum.set(bins.subarray(at + BINS, at + 2 * BINS));
        this.temperature.sumSquares.set(bins.subarray(at + 2 * BINS, at + 3 * BINS));
        this.temperature.finishRow(labelLogit - (scores[BATCH_SCORE_WIDTH * r + 1] as number), -this.score.labelLogProb);
      }
      this.tokens.addProbabilities(this.score.argmax === label, this.score.labelLogProb, this.score.maxLogProb);
      this.tokens.addLogitExtras(this.score.entropy, this.score.rank, this.score.ties, this.score.sumSquaredProbabilities, this.score.labelLogProb);
      this.addSequence(firstRow + r, -this.score.labelLogProb);
      this.record(firstRow + r, label, this.score.labelLogProb, this.score.maxLogProb);
    }
  }

  /**
   * After the scoring pass: the inverse temperature of the next streamed pass over the logits the exact
   * temperature fit needs (rows given to addTemperatureRows, in order), or undefined when it needs none.
   */
  nextTemperaturePass(): number | undefined {
    if (this.temperature === undefined) return undefined;
    if (this.passOpen) this.exact?.finishPass();
    this.exact ??= new ExactTemperatureFit(this.temperature.result(this.tokens.meanNll())?.temperature ?? 1);
    const beta = this.exact.nextBeta();
    this.passOpen = beta !== undefined;
    return beta;
  }

  /** Rows firstRow.. of logits again, for the temperature pass nextTemperaturePass opened. */
  addTemperatureRows(rows: Float32Array, firstRow: number): void {
    const exact = this.exact;
    const beta = exact?.nextBeta();
    if (exact === undefined || beta === undefined || !this.passOpen) return;
    const vocab = this.plan.vocab;
    const count = Math.floor(rows.length / vocab);
    const labels = new Int32Array(count).fill(-1);
    for (let r = 0; r < count; r++) {
      const label = this.labelFor(firstRow + r);
      if (label !== undefined && label >= 0 && label < vocab && Number.isInteger(label)) labels[r] = label;
    }
    const sums = this.batch?.temperatureRows(rows, count, vocab, labels, beta);
    const row = this.passSums;
    for (let r = 0; r < count; r++) {
      const label = labels[r] as number;
      if (label < 0) continue;
      if (sums === undefined) temperatureRowSums(rows, r * vocab, vocab, beta, row, 0);
      else row.set(sums.subarray(TEMPERATURE_ROW_WIDTH * r, TEMPERATURE_ROW_WIDTH * (r + 1)));
      exact.addRow((rows[r * vocab + label] as number) - (row[0] as number), row[1] as number, row[2] as number, row[3] as number);
    }
  }

  finish(): EvalResult {
    // Once passes were asked for, the exact fit's result stands (none where a pass met a NaN); a pass left open
    // was not completed, and its sums are not used. Without passes, the first stage's estimate, said to be approximate.
    const temperature = this.exact === undefined ? this.temperature?.result(this.tokens.meanNll()) : this.exact.result(this.tokens.correctnessView().length);
    return {
      summary: this.tokens.summary(temperature),
      correctness: this.tokens.correctnessView(),
      sequences: this.sequences?.result(),
      outOfRangeLabels: this.outOfRange,
      records: this.records.result(),
    };
  }
}

/**
 * A row's place in the temperature sample, from a hash of its index rather than a stride: a stride would
 * line up with the sequence length and sample the same positions of every sequence, whose loss differs.
 */
function rowHash(index: number): number {
  let x = Math.imul(index ^ (index >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}
