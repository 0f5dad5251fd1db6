import { misleadingLossEvidence, splitNllChange, type NllSplit, type PairedTest } from './evaluationComparison';
import { NEEDS_LOGITS, temperatureFitText, type ReliabilityBin, type TokenSummary } from './tokenStatistics';

/** One evaluation as the calibration view draws it. JSON carries no NaN: missing numbers are null. */
export interface CalibrationPoint {
  readonly step: number;
  readonly tokens: number;
  readonly accuracy: number;
  readonly confidence: number | null;
  readonly meanNll: number | null;
  readonly medianNll: number | null;
  readonly scaledNll: number | null;
  readonly temperature: number | null;
  readonly ece: number | null;
  /** The largest gap between accuracy and confidence over the 15 equal-width bins. */
  readonly maxCalibrationError: number | null;
  /** Full Brier score and mean label rank: a number from logits, else NEEDS_LOGITS (null: NaN). */
  readonly brier: number | null | typeof NEEDS_LOGITS;
  readonly meanLabelRank: number | null | typeof NEEDS_LOGITS;
  /** How the temperature was fitted (temperatureFitText), null without a fit. */
  readonly temperatureFit: string | null;
  readonly reliability: readonly {
    readonly lower: number;
    readonly upper: number;
    readonly count: number;
    readonly confidence: number | null;
    readonly accuracy: number | null;
  }[];
  /** This evaluation's NLL change from the best-loss one, split exactly (null for the best itself or without log-probs). */
  readonly split: NllSplit | null;
}

export interface CalibrationView {
  readonly runId: string;
  /** How tokens were paired in each evaluation (shift, ignore index, and where each came from), deduplicated. */
  readonly alignments: readonly string[];
  readonly points: readonly CalibrationPoint[];
  /** The evaluation with the least mean NLL: the split and the paired test are against it. */
  readonly bestLossStep: number | null;
  /**
   * The paired test between the best-loss evaluation and the last one (clustered by sequence where the
   * outputs say which tokens share one, `sequences` then counting them); `confirmsMisleadingLoss` when
   * the loss rose mostly on wrong tokens while significantly more tokens became right (warning (a), WARNINGS.md).
   */
  readonly paired: (PairedTest & { readonly fromStep: number; readonly toStep: number; readonly confirmsMisleadingLoss: boolean }) | null;
}

export interface CalibrationInput {
  readonly step: number;
  readonly alignment: string;
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
}

const finite = (value: number | undefined): number | null => (value === undefined || !Number.isFinite(value) ? null : value);

function bins(reliability: readonly ReliabilityBin[]): CalibrationPoint['reliability'] {
  return reliability.map((bin) => ({
    lower: bin.lower,
    upper: bin.upper,
    count: bin.count,
    confidence: finite(bin.confidence),
    accuracy: finite(bin.accuracy),
  }));
}

/** The calibration view of a run's evaluations (in any order): what the panel's calibration section shows. */
export function buildCalibrationView(runId: string, inputs: readonly CalibrationInput[]): CalibrationView {
  const evaluations = [...inputs].sort((a, b) => a.step - b.step);
  let best: CalibrationInput | undefined;
  for (const evaluation of evaluations) {
    const nll = evaluation.summary.probabilities?.meanNll;
    if (nll !== undefined && Number.isFinite(nll) && (best?.summary.probabilities === undefined || nll < best.summary.probabilities.meanNll)) best = evaluation;
  }
  const points = evaluations.map((evaluation): CalibrationPoint => {
    const p = evaluation.summary.probabilities;
    const t = evaluation.summary.logits?.temperature;
    return {
      step: evaluation.step,
      tokens: evaluation.summary.tokens,
      accuracy: evaluation.summary.accuracy,
      confidence: finite(p?.meanConfidence),
      meanNll: finite(p?.meanNll),
      medianNll: finite(p?.medianNll),
      scaledNll: finite(t?.nll),
      temperature: finite(t?.temperature),
      ece: finite(p?.ece),
      maxCalibrationError: finite(p?.maxCalibrationError),
      brier: evaluation.summary.logits === undefined ? NEEDS_LOGITS : finite(evaluation.summary.logits.brier),
      meanLabelRank: evaluation.summary.logits === undefined ? NEEDS_LOGITS : finite(evaluation.summary.logits.meanLabelRank),
      temperatureFit: t === undefined ? null : temperatureFitText(t),
      reliability: p === undefined ? [] : bins(p.reliability),
      split: best === undefined || best === evaluation ? null : (splitNllChange(best.summary, evaluation.summary) ?? null),
    };
  });
  const last = evaluations[evaluations.length - 1];
  const evidence = best !== undefined && last !== undefined && best !== last ? misleadingLossEvidence(best, last) : undefined;
  return {
    runId,
    alignments: [...new Set(evaluations.map((evaluation) => evaluation.alignment))],
    points,
    bestLossStep: best?.step ?? null,
    paired:
      evidence === undefined || best === undefined || last === undefined
        ? null
        : { fromStep: best.step, toStep: last.step, ...evidence.mcnemar, confirmsMisleadingLoss: evidence.confirmed },
  };
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

/** The statistics of one evaluation that have no chart, in a line: what each measures, or why it is missing. */
export function pointStatisticsText(point: CalibrationPoint): string {
  const parts = [`Step ${point.step}, ${point.tokens} tokens`];
  if (point.confidence !== null)
    parts.push(`ECE ${fixed(point.ece, 4)}, maximum calibration error ${fixed(point.maxCalibrationError, 4)} (largest accuracy–confidence gap of the 15 bins)`);
  if (point.brier === NEEDS_LOGITS) parts.push(`full Brier score and label rank ${NEEDS_LOGITS}`);
  else {
    parts.push(`full Brier score ${fixed(point.brier, 4)} (over the whole vocabulary, 0 to 2)`);
    parts.push(
      `mean label rank ${fixed(point.meanLabelRank === NEEDS_LOGITS ? null : point.meanLabelRank, 2)} (1 = the argmax; tied logits share their ranks)`,
    );
  }
  if (point.temperature !== null) parts.push(`temperature ${point.temperature.toFixed(6)}, ${point.temperatureFit ?? ''}`);
  else if (point.brier === NEEDS_LOGITS) parts.push(`temperature ${NEEDS_LOGITS}`);
  return parts.join('; ') + '.';
}
