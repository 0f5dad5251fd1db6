import { noiseSigma } from './statistics';
import { argmax, argmin, MIN_EVALS_ABOVE_LOW, type EvalPoints } from './evalPoints';
import { accuracyNoun, formatAccuracy, formatPoints, pointsInUnits, toPercent, type AccuracyScale } from './accuracyMeasure';
import type { Warning } from './warning';
import { checkpointList, missingBest, type MissingBest } from '../checkpoints';

/**
 * Rule (e): the checkpoint with the lowest eval loss is not the one with the highest accuracy, by more
 * than noise. A configuration that keeps the best checkpoint by loss would load the wrong one.
 * Raw values only: a smoothed curve lags and would name the wrong step.
 */
export function checkpointDisagreement(points: EvalPoints, onDisk: readonly number[] = []): Warning | undefined {
  const { loss, accuracy, steps } = points;
  const n = loss.length;
  if (n < 3) return undefined;
  const byLoss = argmin(loss);
  const byAccuracy = argmax(accuracy);
  if (byLoss === byAccuracy) return undefined;
  const { scale } = points.measure;
  const deltaAccuracy = (accuracy[byAccuracy] as number) - (accuracy[byLoss] as number);
  const z = n > 20 ? 3 : 2;
  // σ_A on the segment under test (WARNINGS.md: never the whole run, whose early climb inflates it): the
  // evals from the earlier of the two picks on, widened to rule (c)'s trailing window W. Fewer differences
  // give no scale: an accuracy counted in whole examples often repeats, and the MAD of a few steps is then 0.
  const segment = Math.min(n, Math.max(n - Math.min(byLoss, byAccuracy), Math.max(5, Math.ceil(n / 3))));
  const threshold = Math.max(pointsInUnits(0.3, scale), z * Math.SQRT2 * noiseSigma(accuracy.slice(n - segment)));
  if (deltaAccuracy < threshold) return undefined;
  const deltaLoss = (loss[byAccuracy] as number) - (loss[byLoss] as number);
  const lossStep = steps[byLoss] as number;
  const accuracyStep = steps[byAccuracy] as number;
  const noun = accuracyNoun(points.measure);
  // A gain just over its threshold would read "0.5 points … the threshold is 0.5 points": then both get two decimals.
  const digits = formatPoints(deltaAccuracy, scale) === formatPoints(threshold, scale) ? 2 : 1;
  const missing = missingBest(points, onDisk);
  return {
    kind: 'checkpoint-disagreement',
    form: 'disagreement',
    // The z rule gives medium; from fewer than 8 evaluations the best of a few noisy points is no more than low.
    confidence: n < MIN_EVALS_ABOVE_LOW ? 'low' : 'medium',
    step: accuracyStep,
    startStep: Math.min(lossStep, accuracyStep),
    message: `The best checkpoint by eval loss (step ${lossStep}) is not the best by ${noun} (step ${accuracyStep}): keeping the best by loss would load step ${lossStep} and give up ${formatPoints(deltaAccuracy, scale, digits)} of ${noun} (${formatAccuracy(accuracy[byLoss] as number, scale)} against ${formatAccuracy(accuracy[byAccuracy] as number, scale)}; the threshold for noise is ${formatPoints(threshold, scale, digits)}) for an eval loss ${deltaLoss.toFixed(3)} lower.${missing === undefined ? '' : ` ${missingText(missing, noun, scale)}`}`,
    // ΔA in percentage points too, so that views quoting it need not decide the scale again.
    evidence: {
      lossStep,
      accuracyStep,
      lossAtLossStep: loss[byLoss] as number,
      accuracyAtLossStep: accuracy[byLoss] as number,
      accuracyAtAccuracyStep: accuracy[byAccuracy] as number,
      deltaAccuracy,
      deltaAccuracyPoints: toPercent(deltaAccuracy, scale),
      deltaLoss,
      threshold,
      evaluations: n,
      ...(missing === undefined
        ? {}
        : { checkpointsOnDisk: missing.onDisk.length, ...(missing.bestSurviving === null ? {} : { survivingAccuracyStep: missing.bestSurviving.step }) }),
    },
  };
}

/** What the checkpoint folders on disk say when the best by accuracy has none: only what the listing shows. */
function missingText(missing: MissingBest, noun: string, scale: AccuracyScale): string {
  const { missingStep, onDisk, bestSurviving, lossStep, lossStepOnDisk } = missing;
  const left = `${onDisk.length === 1 ? 'the one checkpoint folder' : `the ${onDisk.length} checkpoint folders`} left (${checkpointList(onDisk)})`;
  const best =
    bestSurviving === null
      ? 'none was evaluated'
      : `the best by ${noun} is checkpoint-${bestSurviving.step} (${formatAccuracy(bestSurviving.accuracy, scale)})`;
  const byLoss = lossStepOnDisk
    ? `the best by loss, checkpoint-${lossStep} (what keeping the best by loss loads), is one of them`
    : `the best by loss, checkpoint-${lossStep} (what keeping the best by loss loads), is not there either`;
  return `There is no checkpoint-${missingStep} folder on disk (deleted, as a save_total_limit does, or never saved): of ${left}, ${best}; ${byLoss}.`;
}
