import type { Series } from '../types';
import { pText, type EvalPoints } from './evalPoints';
import { accuracyNoun, formatPoints } from './accuracyMeasure';
import { accuracyChangeText, cappedConfidence, confidenceOf, lossRiseText, lossTurn, turnEvidence, type LossTurn } from './lossTurn';
import type { Warning } from './warning';

/**
 * The temperature-scaled NLL (computed from per-token logits) at the two ends of the warning. Temperature
 * does not change the argmax, so when it did not rise while the raw loss did, the rise is calibration alone.
 */
function scaledNllAt(scaledNll: Series | undefined, fromStep: number, toStep: number): { before: number; after: number } | undefined {
  if (scaledNll === undefined) return undefined;
  const at = (step: number): number | undefined => {
    const index = scaledNll.steps.lastIndexOf(step);
    const value = index < 0 ? undefined : scaledNll.values[index];
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  };
  const before = at(fromStep);
  const after = at(toStep);
  return before === undefined || after === undefined ? undefined : { before, after };
}

/** Only what the per-token outputs tested is said: calibration when the scaled NLL did not rise, not when it did. */
function calibrationText(scaled: { before: number; after: number } | undefined): string {
  if (scaled === undefined) return ' Evaluation outputs with logits at both steps would show whether the rise is calibration alone.';
  const numbers = `${scaled.before.toFixed(3)} → ${scaled.after.toFixed(3)}`;
  if (scaled.after <= scaled.before)
    return ` The temperature-scaled NLL of the evaluation outputs did not rise (${numbers}): the rise is calibration, not worse predictions.`;
  const percent = scaled.before > 0 ? `, +${((100 * (scaled.after - scaled.before)) / scaled.before).toFixed(1)}%` : '';
  return ` The temperature-scaled NLL of the evaluation outputs rose too (${numbers}${percent}), so not all of the rise is calibration.`;
}

/**
 * Why the accuracy counts as holding: a change within the noise floor, or a gain past it whose trend is not
 * significant (the rising form needs both); "within ±x" is said only of a change that is within it.
 */
function holdingText(turn: LossTurn): string {
  const floor = formatPoints(turn.floor, turn.scale);
  if (Math.abs(turn.gain) < turn.floor) return `within ±${floor} (Mann–Kendall p = ${pText(turn.accuracyDownP)} for a fall)`;
  return `beyond the ±${floor} floor but with no significant trend (Mann–Kendall p = ${pText(turn.accuracyUpP)} for a rise)`;
}

/**
 * Rule (a): the eval loss rises after its minimum while the accuracy does not get worse. Thresholds as in
 * WARNINGS.md. `scaledNll` is the temperature-scaled NLL computed from evaluation outputs, where the run has them;
 * `turn` is the loss turn of `points`, given when the caller has it already (rule (b) needs the same one).
 */
export function misleadingLoss(points: EvalPoints, scaledNll?: Series, turn = lossTurn(points)): Warning | undefined {
  if (turn === undefined || !turn.lossUp) return undefined;
  const { loss, steps, measure } = points;
  const n = loss.length;
  const { best, gain, floor, lossP, accuracyUpP, accuracyDownP, tailPoints, evaluations } = turn;
  const bestStep = steps[best] as number;
  const lastStep = steps[n - 1] as number;
  const noun = accuracyNoun(measure);
  const scaled = scaledNllAt(scaledNll, bestStep, lastStep);
  const evidence = {
    ...turnEvidence(points, turn),
    accuracyGain: gain,
    accuracyFloor: floor,
    accuracyTrendP: accuracyUpP,
    accuracyFallP: accuracyDownP,
    tailPoints,
    ...(scaled === undefined ? {} : { scaledNllAtBestLoss: scaled.before, lastScaledNll: scaled.after }),
  };

  if (accuracyUpP <= 0.05 && gain >= floor) {
    return {
      kind: 'misleading-loss',
      form: 'rising',
      confidence: confidenceOf(lossP, accuracyUpP, tailPoints, evaluations),
      step: lastStep,
      startStep: bestStep,
      message: `Eval loss ${lossRiseText(turn)}, but ${noun} is up: ${accuracyChangeText(turn)} (Mann–Kendall p = ${pText(accuracyUpP)} for a rise). The predictions improve while the loss rises, the signature of over-confidence: judge this run by ${noun}.${scaled === undefined ? '' : calibrationText(scaled)}`,
      evidence,
    };
  }
  if (accuracyDownP > 0.05 && -gain < floor) {
    return {
      kind: 'misleading-loss',
      form: 'holding',
      // The holding form rests on the loss trend alone, so it never reaches high confidence.
      confidence: cappedConfidence(lossP <= 0.01 ? 'medium' : 'low', 'medium', evaluations),
      step: lastStep,
      startStep: bestStep,
      message: `Eval loss ${lossRiseText(turn)}; ${noun} shows no significant fall: ${accuracyChangeText(turn)}, ${holdingText(turn)}.${calibrationText(scaled)}`,
      evidence,
    };
  }
  return undefined;
}
