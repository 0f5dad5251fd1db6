import { labelIndexFor, type EvalPlan } from './evalPlan';
import { BATCH_SCORE_WIDTH, emptyRowScore, scoreFromBatch, scoreRow, temperatureRowSums, TEMPERATURE_ROW_WIDTH, type RowBatchScorer } from './logitsRow';
import { BINS, ExactTemperatureFit, TEMPERATURE_SAMPLE_ROWS, TemperatureAccumulator } from './temperatureFit';
import { momentRowSums, MOMENTS, TemperatureMoments } from './temperatureMoments';
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
 * Evaluations of at most this many rows keep each scored row's temperature moments (14 float64, 112 bytes a
 * row: 29 MB here), so that the exact fit needs no more streamed passes, or a pass over a few rows; larger
 * ones stream every row again for each candidate temperature.
 */
export const MAX_MOMENT_ROWS = 1 << 18;
const FIRST_REFIT = 256;

/**
 * Scores one evaluation. The labels (small) are held whole; logits (large) arrive in chunks of whole rows, in
 * order, so memory stays at one chunk whatever the file's size.
 */
export class EvalComputation {
  private readonly tokens = new TokenAccumulator();
  private readonly temperature: TemperatureAccumulator | undefined;
  /** The accumulator the sampled rows are binned into, when its estimate can be used. */
  private readonly binned: TemperatureAccumulator | undefined;
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
  /** Each scored row's moments (temperatureMoments.ts), taken at `anchor`: the fit's value at any β, certified or not. */
  private readonly moments: TemperatureMoments | undefined;
  private anchor = 1;
  /** Anchors follow the fit of the rows scored so far, refitted when their number doubles from this. */
  private refitAt = FIRST_REFIT;
  /** The rows whose moments the open pass retakes, at its β. */
  private retaking: { readonly beta: number; readonly firstRow: number; readonly endRow: number; readonly rows: readonly number[] } | undefined;
  private readonly momentRow = new Float64Array(MOMENTS);

  /** `sequenceIndex`: the compact form's sequence of each row, when the outputs carry one. */
  constructor(
    private readonly plan: EvalPlan,
    private readonly labels: Float64Array,
    options: {
      readonly temperature: boolean;
      readonly batch?: RowBatchScorer;
      readonly sequenceIndex?: Float64Array;
      /** The caller runs the exact fit's passes to the end (nextTemperaturePass until undefined), so no approximate estimate is wanted. */
      readonly exactFit?: boolean;
    } = { temperature: true },
  ) {
    this.batch = options.batch;
    this.records = new TokenRecordsBuilder(labels.length);
    this.sequenceIndex = options.sequenceIndex?.length === labels.length ? options.sequenceIndex : undefined;
    // [batch, seq] outputs carry their sequences in their shape; flat ones only in a `sequence_index` array.
    this.sequences = plan.labels.shape.length === 2 || this.sequenceIndex !== undefined ? new SequenceRunsBuilder() : undefined;
    this.temperature = options.temperature && plan.form === 'logits' ? new TemperatureAccumulator() : undefined;
    this.sampleBelow = Math.min(1, TEMPERATURE_SAMPLE_ROWS / (plan.sequences * plan.sequenceLength)) * 4294967296;
    this.moments = this.temperature !== undefined && plan.sequences * plan.sequenceLength <= MAX_MOMENT_ROWS ? new TemperatureMoments(plan.vocab) : undefined;
    // The histogram sample serves the approximate estimate and, without moments, the exact fit's first guess;
    // with moments and an exact fit run to the end neither is used (binning was a twentieth of the scoring).
    this.binned = this.temperature !== undefined && !(options.exactFit === true && this.moments !== undefined) ? this.temperature : undefined;
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
      scoreRow(rows, r * vocab, vocab, label, this.score, rowHash(this.scored++) < this.sampleBelow ? this.binned : undefined);
      this.tokens.addProbabilities(this.score.argmax === label, this.score.labelLogProb, this.score.maxLogProb);
      this.tokens.addLogitExtras(this.score.entropy, this.score.rank, this.score.ties, this.score.sumSquaredProbabilities, this.score.labelLogProb);
      this.addSequence(firstRow + r, -this.score.labelLogProb);
      this.record(firstRow + r, label, this.score.labelLogProb, this.score.maxLogProb);
      if (this.moments === undefined) continue;
      const max = rowMax(rows, r * vocab, vocab);
      momentRowSums(rows, r * vocab, vocab, max, this.anchor, this.momentRow, 0);
      this.moments.push(firstRow + r, this.anchor, max, (rows[r * vocab + label] as number) - max, this.momentRow, 0);
      this.followAnchor(this.moments);
    }
  }

  /**
   * The anchor follows the fit of the tokens scored so far, refitted when their number reaches 256, 512,
   * 1,024, …: a function of the tokens alone, so that neither the chunking nor a split of the rows between
   * threads changes any anchor, nor so the result.
   */
  private followAnchor(moments: TemperatureMoments): void {
    if (moments.tokens < this.refitAt) return;
    this.anchor = moments.estimate(this.anchor);
    this.refitAt = 2 * moments.tokens;
  }

  /** Retakes at β the moments of the scored rows among rows firstRow.. that lie in [from, to) and do not hold at β. */
  private retakeMoments(rows: Float32Array, firstRow: number, count: number, from: number, to: number, beta: number): void {
    const moments = this.moments;
    if (moments === undefined) return;
    const vocab = this.plan.vocab;
    const end = Math.min(firstRow + count, to);
    const tokens: number[] = [];
    for (let token = moments.tokenAtOrAfter(Math.max(firstRow, from)); token < moments.tokens && moments.row(token) < end; token++)
      if (!moments.holds(token, beta)) tokens.push(token);
    if (tokens.length === 0) return;
    if (this.batch === undefined) {
      for (const token of tokens) {
        momentRowSums(rows, (moments.row(token) - firstRow) * vocab, vocab, moments.max(token), beta, this.momentRow, 0);
        moments.retake(token, beta, this.momentRow, 0);
      }
      return;
    }
    const labels = new Int32Array(count).fill(-1);
    const maxima = new Float64Array(count);
    for (const token of tokens) {
      labels[moments.row(token) - firstRow] = 0;
      maxima[moments.row(token) - firstRow] = moments.max(token);
    }
    const out = this.batch.momentRows(rows, count, vocab, labels, maxima, beta);
    for (const token of tokens) moments.retake(token, beta, out, MOMENTS * (moments.row(token) - firstRow));
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
      if (this.binned !== undefined && rowHash(this.scored++) < this.sampleBelow) bin[r] = 1;
    }
    const { scores, bins } = batch.scoreRows(rows, count, vocab, labels, this.binned === undefined ? undefined : bin);
    for (let r = 0; r < count; r++) {
      const label = labels[r] as number;
      if (label < 0) continue;
      const labelLogit = rows[r * vocab + label] as number;
      scoreFromBatch(scores, BATCH_SCORE_WIDTH * r, labelLogit, this.score);
      if (bin[r] === 1 && bins !== undefined && this.binned !== undefined) {
        const at = 3 * BINS * r;
        this.binned.count.set(bins.subarray(at, at + BINS));
        this.binned.sum.set(bins.subarray(at + BINS, at + 2 * BINS));
        this.binned.sumSquares.set(bins.subarray(at + 2 * BINS, at + 3 * BINS));
        this.binned.finishRow(labelLogit - (scores[BATCH_SCORE_WIDTH * r + 1] as number), -this.score.labelLogProb);
      }
      this.tokens.addProbabilities(this.score.argmax === label, this.score.labelLogProb, this.score.maxLogProb);
      this.tokens.addLogitExtras(this.score.entropy, this.score.rank, this.score.ties, this.score.sumSquaredProbabilities, this.score.labelLogProb);
      this.addSequence(firstRow + r, -this.score.labelLogProb);
      this.record(firstRow + r, label, this.score.labelLogProb, this.score.maxLogProb);
    }
    if (this.moments !== undefined) this.addMomentsInBatch(rows, firstRow, count, labels, scores, batch, this.moments);
  }

  /**
   * The chunk's moments from the kernel, given the maxima its scoring found: rows up to the token at which
   * the anchor is refitted at one anchor, the rest at the next.
   */
  private addMomentsInBatch(
    rows: Float32Array,
    firstRow: number,
    count: number,
    labels: Int32Array,
    scores: Float64Array,
    batch: RowBatchScorer,
    moments: TemperatureMoments,
  ): void {
    const vocab = this.plan.vocab;
    const maxima = new Float64Array(count);
    for (let r = 0; r < count; r++) maxima[r] = scores[BATCH_SCORE_WIDTH * r + 1] as number;
    const part = new Int32Array(count);
    for (let from = 0; from < count;) {
      // The rows of this part: scored ones until the refit, at most.
      part.fill(-1);
      let to = from;
      for (let wanted = this.refitAt - moments.tokens; to < count && wanted > 0; to++) {
        part[to] = labels[to] as number;
        if ((labels[to] as number) >= 0) wanted--;
      }
      const anchor = this.anchor;
      const out = batch.momentRows(rows, count, vocab, part, maxima, anchor);
      for (let r = from; r < to; r++) {
        const label = labels[r] as number;
        if (label < 0) continue;
        const max = maxima[r] as number;
        moments.push(firstRow + r, anchor, max, (rows[r * vocab + label] as number) - max, out, MOMENTS * r);
      }
      this.followAnchor(moments);
      from = to;
    }
  }

  /**
   * After the scoring pass: the inverse temperature of the next streamed pass over the logits the exact
   * temperature fit needs (rows given to addTemperatureRows, in order), or undefined when it needs none.
   */
  nextTemperaturePass(): number | undefined {
    if (this.temperature === undefined) return undefined;
    if (this.moments !== undefined) return this.nextRetakingPass(this.moments);
    if (this.passOpen) this.exact?.finishPass();
    this.exact ??= new ExactTemperatureFit(this.temperature.result(this.tokens.meanNll())?.temperature ?? 1);
    const beta = this.exact.nextBeta();
    this.passOpen = beta !== undefined;
    if (beta !== undefined) this.exact.streamedPass();
    return beta;
  }

  /**
   * The fit from the rows' moments: each candidate β is evaluated from them when every row's sums are
   * certified; else the rows that are not are read again (the span from the first to the last of them) and
   * their moments retaken at β, after which the candidate is evaluated.
   */
  private nextRetakingPass(moments: TemperatureMoments): number | undefined {
    const exact = (this.exact ??= new ExactTemperatureFit(1 / moments.estimate(this.anchor)));
    const retaken = this.retaking?.beta;
    this.retaking = undefined;
    for (;;) {
      const beta = exact.nextBeta();
      if (beta === undefined) return undefined;
      const outcome = moments.evaluate(beta);
      if (outcome.certified) {
        exact.addSums(outcome.nll, outcome.slope, outcome.curvature, outcome.rows);
        exact.finishPass();
        continue;
      }
      // Rows just retaken at this β are exact there: still uncertified, they were not given to addTemperatureRows.
      if (retaken === beta) return undefined;
      const rows: number[] = [];
      for (let token = outcome.firstToken; token < outcome.endToken; token++) if (!moments.holds(token, beta)) rows.push(moments.row(token));
      this.retaking = { beta, firstRow: moments.row(outcome.firstToken), endRow: moments.row(outcome.endToken - 1) + 1, rows };
      exact.streamedPass();
      return beta;
    }
  }

  /** The rows the pass nextTemperaturePass opened needs, [first, end): every row unless only some are read again. */
  temperaturePassRows(): { readonly first: number; readonly end: number } | undefined {
    return this.retaking === undefined ? undefined : { first: this.retaking.firstRow, end: this.retaking.endRow };
  }

  /** The rows the open pass reads again, ascending; undefined when it reads every row. */
  temperaturePassRowList(): readonly number[] | undefined {
    return this.retaking?.rows;
  }

  /** Whether the open pass needs any of rows [first, end): a chunk none of them is in need not be decoded. */
  temperaturePassNeeds(first: number, end: number): boolean {
    const rows = this.retaking?.rows;
    if (rows === undefined) return true;
    let [low, high] = [0, rows.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((rows[middle] as number) < first) low = middle + 1;
      else high = middle;
    }
    return low < rows.length && (rows[low] as number) < end;
  }

  /** Rows firstRow.. of logits again, for the temperature pass nextTemperaturePass opened. */
  addTemperatureRows(rows: Float32Array, firstRow: number): void {
    const vocab = this.plan.vocab;
    if (this.moments !== undefined) {
      const retaking = this.retaking;
      if (retaking !== undefined) this.retakeMoments(rows, firstRow, Math.floor(rows.length / vocab), retaking.firstRow, retaking.endRow, retaking.beta);
      return;
    }
    const exact = this.exact;
    const beta = exact?.nextBeta();
    if (exact === undefined || beta === undefined || !this.passOpen) return;
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

/** The largest logit of a row, NaN logits passed over (as scoreRow's max). */
function rowMax(logits: Float32Array, start: number, vocab: number): number {
  let max = -Infinity;
  for (let i = start; i < start + vocab; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  return max;
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
