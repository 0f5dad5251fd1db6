import type { TemperatureResult } from './temperatureFit';

export const ECE_BINS = 15;

/** One bar of the reliability diagram: tokens whose confidence fell in (lower, upper]. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly confidence: number;
  readonly accuracy: number;
}

/** The per-token picture of one evaluation (WARNINGS.md, "Per-token statistics"). */
export interface TokenSummary {
  readonly tokens: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Present when log-probabilities (the compact form or logits) were available. */
  readonly probabilities?: ProbabilityStatistics;
  /** Present only from full logits. */
  readonly logits?: LogitStatistics;
}

export interface ProbabilityStatistics {
  readonly meanNll: number;
  readonly medianNll: number;
  /** Mean NLL on correct tokens (C) and on wrong ones (W): NLL = a·C + (1 − a)·W. NaN when a group is empty. */
  readonly nllCorrect: number;
  readonly nllWrong: number;
  /** W = mean(−m) + mean(m − ℓ) on wrong tokens: how sure the model was, and how far the label sat below its pick. */
  readonly wrongConfidenceTerm: number;
  readonly wrongGapTerm: number;
  readonly meanConfidence: number;
  readonly ece: number;
  readonly eceEqualMass: number;
  readonly maxCalibrationError: number;
  readonly brierTopLabel: number;
  readonly worstPercentNllShare: number;
  readonly reliability: readonly ReliabilityBin[];
}

export interface LogitStatistics {
  readonly meanEntropy: number;
  /** Tokens whose label has fewer than 5 logits strictly above it. */
  readonly top5Accuracy: number;
  /** Mean over tokens of Σ_j (p_j − 1[j = label])² over the whole vocabulary, in [0, 2]. */
  readonly brier: number;
  /**
   * Mean rank of the label among the logits, 1 for the argmax. Ties share their ranks fairly (the mid-rank, as
   * scipy's rankdata "average"): 1 + (logits above the label's) + (other logits equal to it) / 2.
   */
  readonly meanLabelRank: number;
  readonly temperature?: TemperatureResult;
}

/** Growable typed storage: per-token values are needed again for medians, equal-mass bins and McNemar. */
class Growable<T extends Float32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (size: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(Math.max(1024, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/**
 * Accumulates tokens one at a time. Sums are float64; per-token NLL and confidence are kept as float32
 * (8 bytes a token, a small fraction of the logits they came from) and correctness as one byte.
 */
export class TokenAccumulator {
  private readonly correctness = new Growable(new Uint8Array(1024), (size) => new Uint8Array(size));
  private readonly nll = new Growable(new Float32Array(1024), (size) => new Float32Array(size));
  private readonly confidence = new Growable(new Float32Array(1024), (size) => new Float32Array(size));
  private correct = 0;
  private withProbabilities = 0;
  private nllCorrectSum = 0;
  private nllWrongSum = 0;
  private wrongNegMaxSum = 0;
  private wrongGapSum = 0;
  private confidenceSum = 0;
  private brierSum = 0;
  private readonly binCount = new Float64Array(ECE_BINS);
  private readonly binConfidence = new Float64Array(ECE_BINS);
  private readonly binCorrect = new Float64Array(ECE_BINS);
  private entropySum = 0;
  private top5 = 0;
  private fullBrierSum = 0;
  private rankSum = 0;
  private withLogits = 0;

  /** A token known only by its prediction. */
  addPrediction(isCorrect: boolean): void {
    this.correctness.push(isCorrect ? 1 : 0);
    if (isCorrect) this.correct++;
  }

  /** A token with ℓ = log p(label) and m = max log p. */
  addProbabilities(isCorrect: boolean, labelLogProb: number, maxLogProb: number): void {
    this.addPrediction(isCorrect);
    const nll = -labelLogProb;
    const confidence = Math.exp(maxLogProb);
    this.nll.push(nll);
    this.confidence.push(confidence);
    this.withProbabilities++;
    this.confidenceSum += confidence;
    const hit = isCorrect ? 1 : 0;
    this.brierSum += (confidence - hit) * (confidence - hit);
    if (isCorrect) this.nllCorrectSum += nll;
    else {
      this.nllWrongSum += nll;
      this.wrongNegMaxSum += -maxLogProb;
      this.wrongGapSum += maxLogProb - labelLogProb;
    }
    const bin = Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(confidence * ECE_BINS) - 1));
    this.binCount[bin] = (this.binCount[bin] as number) + 1;
    this.binConfidence[bin] = (this.binConfidence[bin] as number) + confidence;
    this.binCorrect[bin] = (this.binCorrect[bin] as number) + hit;
  }

  /**
   * What only full logits give: the row's entropy; the label's rank as logits strictly above it (`above`) and
   * logits equal to it, itself included (`ties`); Σ p² over the vocabulary and log p(label), for the full Brier.
   */
  addLogitExtras(entropy: number, above: number, ties: number, sumSquaredProbabilities: number, labelLogProb: number): void {
    this.entropySum += entropy;
    if (above < 5) this.top5++;
    this.rankSum += 1 + above + (ties - 1) / 2;
    this.fullBrierSum += sumSquaredProbabilities - 2 * Math.exp(labelLogProb) + 1;
    this.withLogits++;
  }

  /** Mean NLL so far, without the sorting the full summary needs. */
  meanNll(): number {
    return this.withProbabilities === 0 ? NaN : (this.nllCorrectSum + this.nllWrongSum) / this.withProbabilities;
  }

  /** Per-token correctness in the order tokens were added: the input of McNemar's test. */
  correctnessView(): Uint8Array {
    return this.correctness.view();
  }

  summary(temperature?: TemperatureResult): TokenSummary {
    const tokens = this.correctness.length;
    const base = { tokens, correct: this.correct, accuracy: tokens === 0 ? NaN : this.correct / tokens };
    const probabilities = this.withProbabilities === tokens && tokens > 0 ? this.probabilityStatistics() : undefined;
    const logits =
      this.withLogits === tokens && tokens > 0
        ? {
            meanEntropy: this.entropySum / tokens,
            top5Accuracy: this.top5 / tokens,
            brier: this.fullBrierSum / tokens,
            meanLabelRank: this.rankSum / tokens,
            ...(temperature === undefined ? {} : { temperature }),
          }
        : undefined;
    return { ...base, ...(probabilities === undefined ? {} : { probabilities }), ...(logits === undefined ? {} : { logits }) };
  }

  private probabilityStatistics(): ProbabilityStatistics {
    const tokens = this.correctness.length;
    const wrong = tokens - this.correct;
    const nll = this.nll.view();
    const confidence = this.confidence.view();
    const reliability: ReliabilityBin[] = [];
    let ece = 0;
    let maxCalibrationError = 0;
    for (let b = 0; b < ECE_BINS; b++) {
      const count = this.binCount[b] as number;
      const meanConfidence = count === 0 ? NaN : (this.binConfidence[b] as number) / count;
      const accuracy = count === 0 ? NaN : (this.binCorrect[b] as number) / count;
      reliability.push({ lower: b / ECE_BINS, upper: (b + 1) / ECE_BINS, count, confidence: meanConfidence, accuracy });
      if (count === 0) continue;
      ece += (count / tokens) * Math.abs(accuracy - meanConfidence);
      maxCalibrationError = Math.max(maxCalibrationError, Math.abs(accuracy - meanConfidence));
    }
    const totalNll = this.nllCorrectSum + this.nllWrongSum;
    return {
      meanNll: totalNll / tokens,
      medianNll: median(nll),
      nllCorrect: this.correct === 0 ? NaN : this.nllCorrectSum / this.correct,
      nllWrong: wrong === 0 ? NaN : this.nllWrongSum / wrong,
      wrongConfidenceTerm: wrong === 0 ? NaN : this.wrongNegMaxSum / wrong,
      wrongGapTerm: wrong === 0 ? NaN : this.wrongGapSum / wrong,
      meanConfidence: this.confidenceSum / tokens,
      ece,
      eceEqualMass: equalMassEce(confidence, this.correctness.view()),
      maxCalibrationError,
      brierTopLabel: this.brierSum / tokens,
      worstPercentNllShare: worstShare(nll, totalNll),
      reliability,
    };
  }
}

function median(values: Float32Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Share of the total NLL carried by the worst ⌈1%⌉ of tokens. */
function worstShare(nll: Float32Array, total: number): number {
  const sorted = Float64Array.from(nll).sort();
  const worst = Math.ceil(sorted.length * 0.01);
  let sum = 0;
  for (let i = sorted.length - worst; i < sorted.length; i++) sum += sorted[i] as number;
  return total === 0 ? NaN : sum / total;
}

/**
 * ECE over 15 bins of (nearly) equal token count, tokens ordered by confidence (ties by position); as
 * numpy's array_split, the first N mod 15 bins hold one token more.
 */
function equalMassEce(confidence: Float32Array, correctness: Uint8Array): number {
  const tokens = confidence.length;
  const order = Uint32Array.from({ length: tokens }, (_, i) => i).sort((a, b) => (confidence[a] as number) - (confidence[b] as number) || a - b);
  const base = Math.floor(tokens / ECE_BINS);
  const extra = tokens % ECE_BINS;
  let ece = 0;
  let at = 0;
  for (let b = 0; b < ECE_BINS; b++) {
    const size = base + (b < extra ? 1 : 0);
    if (size === 0) continue;
    let confidenceSum = 0;
    let correctSum = 0;
    for (let i = at; i < at + size; i++) {
      const index = order[i] as number;
      confidenceSum += confidence[index] as number;
      correctSum += correctness[index] as number;
    }
    ece += Math.abs(correctSum - confidenceSum) / tokens;
    at += size;
  }
  return ece;
}

/** What a statistic says when the evaluation's form cannot give it (WARNINGS.md, "Per-token statistics"). */
export const NEEDS_LOGITS = 'not available: needs logits';
export const NEEDS_LOG_PROBABILITIES = 'not available: needs label and max log-probabilities, or logits';

type Exported = number | null | typeof NEEDS_LOGITS | typeof NEEDS_LOG_PROBABILITIES;

/** One evaluation's statistics as the CLI's JSON gives them: a number, null (NaN: no such tokens), or why not. */
export interface ExportedStatistics {
  readonly tokens: number;
  readonly accuracy: number | null;
  readonly meanNll: Exported;
  readonly medianNll: Exported;
  readonly nllCorrect: Exported;
  readonly nllWrong: Exported;
  readonly meanConfidence: Exported;
  readonly ece: Exported;
  readonly eceEqualMass: Exported;
  readonly maxCalibrationError: Exported;
  readonly brierTopLabel: Exported;
  readonly worstPercentNllShare: Exported;
  readonly meanEntropy: Exported;
  readonly top5Accuracy: Exported;
  readonly brier: Exported;
  readonly meanLabelRank: Exported;
  readonly temperature:
    | {
        readonly value: number | null;
        readonly scaledNll: number | null;
        readonly method: 'exact' | 'approximate';
        readonly passes: number;
        readonly rows: number;
        readonly atSearchEdge: boolean;
        readonly how: string;
      }
    | typeof NEEDS_LOGITS
    | null;
}

const numberOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** How a temperature was fitted, in words: which method, over how much, and how many passes over the logits. */
export function temperatureFitText(fit: TemperatureResult): string {
  if (fit.method === 'exact') {
    const passes =
      fit.passes === 0
        ? 'no more pass over the logits (each row from its moments, certified to 1e-10)'
        : `${fit.passes} more streamed pass${fit.passes === 1 ? '' : 'es'} over the logits`;
    return `exact to 1e-6 in T: Newton's method on 1/T with the exact NLL of all ${fit.rows} tokens, ${passes}${fit.atSearchEdge ? '; the optimum is at or beyond the end of the range searched, [0.05, 20]' : ''}`;
  }
  const what = fit.passes === 0 ? 'from binned logits' : `not converged after ${fit.passes} passes over the logits, the last T evaluated`;
  return `approximate: ${what} of ${fit.rows} rows${fit.atSearchEdge ? '; the optimum is at or beyond the end of the grid, [0.25, 8]' : ''}`;
}

export function exportedStatistics(summary: TokenSummary): ExportedStatistics {
  const p = summary.probabilities;
  const l = summary.logits;
  const fromProbabilities = (value: number | undefined): Exported => (value === undefined ? NEEDS_LOG_PROBABILITIES : numberOrNull(value));
  const fromLogits = (value: number | undefined): Exported => (value === undefined ? NEEDS_LOGITS : numberOrNull(value));
  const t = l?.temperature;
  return {
    tokens: summary.tokens,
    accuracy: numberOrNull(summary.accuracy),
    meanNll: fromProbabilities(p?.meanNll),
    medianNll: fromProbabilities(p?.medianNll),
    nllCorrect: fromProbabilities(p?.nllCorrect),
    nllWrong: fromProbabilities(p?.nllWrong),
    meanConfidence: fromProbabilities(p?.meanConfidence),
    ece: fromProbabilities(p?.ece),
    eceEqualMass: fromProbabilities(p?.eceEqualMass),
    maxCalibrationError: fromProbabilities(p?.maxCalibrationError),
    brierTopLabel: fromProbabilities(p?.brierTopLabel),
    worstPercentNllShare: fromProbabilities(p?.worstPercentNllShare),
    meanEntropy: fromLogits(l?.meanEntropy),
    top5Accuracy: fromLogits(l?.top5Accuracy),
    brier: fromLogits(l?.brier),
    meanLabelRank: fromLogits(l?.meanLabelRank),
    // Logits without a fit: the fit was turned off or met a NaN.
    temperature:
      l === undefined
        ? NEEDS_LOGITS
        : t === undefined
          ? null
          : {
              value: numberOrNull(t.temperature),
              scaledNll: numberOrNull(t.nll),
              method: t.method,
              passes: t.passes,
              rows: t.rows,
              atSearchEdge: t.atSearchEdge,
              how: temperatureFitText(t),
            },
  };
}
