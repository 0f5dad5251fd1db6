import type { CalibrationView } from '../src/core/tokens/calibrationView';

/** The metric key that marks a run as having evaluation outputs (src/core/tokens/evalOutputsFormat.ts). */
export const COMPUTED_ACCURACY_KEY = 'eval_token_accuracy_computed';

export interface XY {
  readonly x: number;
  readonly y: number | null;
}

const percent = (value: number | null): number | null => (value === null ? null : value * 100);

/** Which run the calibration section shows: the focused one when it has outputs, else the first that has. */
export function calibrationRunId(runs: readonly { readonly id: string; readonly keys: readonly string[] }[], focusedRunId: string | null): string | null {
  const withOutputs = runs.filter((run) => run.keys.includes(COMPUTED_ACCURACY_KEY));
  return withOutputs.find((run) => run.id === focusedRunId)?.id ?? withOutputs[0]?.id ?? null;
}

/** Confidence against accuracy over the evaluations, in percent: a widening gap is over-confidence. */
export function confidenceAndAccuracy(view: CalibrationView): { accuracy: XY[]; confidence: XY[] } {
  return {
    accuracy: view.points.map((point) => ({ x: point.step, y: percent(point.accuracy) })),
    confidence: view.points.map((point) => ({ x: point.step, y: percent(point.confidence) })),
  };
}

/** Raw mean NLL against NLL after the best temperature: if only the raw one rises, the rise is calibration. */
export function rawAndScaledLoss(view: CalibrationView): { raw: XY[]; scaled: XY[] } {
  return {
    raw: view.points.map((point) => ({ x: point.step, y: point.meanNll })),
    scaled: view.points.filter((point) => point.scaledNll !== null).map((point) => ({ x: point.step, y: point.scaledNll })),
  };
}

/**
 * The legend entry for the NLL after the best temperature, or null when no evaluation has one (an entry with no
 * line says nothing); when only some have one, it says how many, since the line then covers only those steps.
 */
export function scaledLossLabel(loss: { readonly raw: readonly XY[]; readonly scaled: readonly XY[] }): string | null {
  if (loss.scaled.length === 0) return null;
  const label = 'after the best temperature';
  return loss.scaled.length < loss.raw.length ? `${label} (${loss.scaled.length} of ${loss.raw.length} evaluations)` : label;
}

export interface ReliabilityBars {
  readonly labels: string[];
  /** Accuracy per bin in percent (null for an empty bin), and the perfect-calibration diagonal at the bin middles. */
  readonly accuracy: (number | null)[];
  readonly ideal: number[];
  readonly counts: number[];
}

export function reliabilityAt(view: CalibrationView, step: number): ReliabilityBars | null {
  const point = view.points.find((candidate) => candidate.step === step);
  if (point === undefined || point.reliability.length === 0) return null;
  return {
    labels: point.reliability.map((bin) => `${Math.round(bin.lower * 100)}–${Math.round(bin.upper * 100)}%`),
    accuracy: point.reliability.map((bin) => percent(bin.accuracy)),
    ideal: point.reliability.map((bin) => ((bin.lower + bin.upper) / 2) * 100),
    counts: point.reliability.map((bin) => bin.count),
  };
}

export interface SplitBars {
  readonly labels: string[];
  readonly correctTokens: number[];
  readonly wrongTokens: number[];
  readonly accuracyChange: number[];
  readonly total: number[];
}

/** The exact split of each evaluation's NLL change from the best-loss one: a tall wrong-token bar is "a few tokens became confidently wrong". */
export function nllSplitBars(view: CalibrationView): SplitBars {
  const points = view.points.filter((point) => point.split !== null);
  return {
    labels: points.map((point) => String(point.step)),
    correctTokens: points.map((point) => point.split?.correctTokens ?? 0),
    wrongTokens: points.map((point) => point.split?.wrongTokens ?? 0),
    accuracyChange: points.map((point) => point.split?.accuracyChange ?? 0),
    total: points.map((point) => point.split?.change ?? 0),
  };
}

/** One sentence on the paired test between the best-loss evaluation and the last. */
export function pairedTestText(view: CalibrationView): string {
  const paired = view.paired;
  if (paired === null) return 'The paired test needs two evaluations with log-probabilities.';
  const p = paired.pValue < 1e-4 ? paired.pValue.toExponential(1) : paired.pValue.toPrecision(2);
  const direction = paired.onlySecond > paired.onlyFirst ? 'more tokens right' : paired.onlySecond < paired.onlyFirst ? 'more tokens wrong' : 'no change';
  const test = `McNemar's exact test, step ${paired.fromStep} (least loss) against step ${paired.toStep}: ${paired.onlySecond} tokens became right, ${paired.onlyFirst} became wrong (${direction}), p = ${p}.`;
  return paired.confirmsMisleadingLoss ? `${test} Misleading loss confirmed: more tokens are right while the loss rose, mostly on wrong tokens.` : test;
}
