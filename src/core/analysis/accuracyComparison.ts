import type { Series } from '../types';
import { COMPUTED_KEYS } from '../tokens/evalOutputsFormat';
import { accuracyScaleOf, formatAccuracy, signedPoints, toPercent, type AccuracyMeasure } from './accuracyMeasure';
import { accuracyDefinition } from './metricRoles';

/** TRL's logged token accuracy and the one computed from evaluation outputs, at the latest step both have. */
export interface AccuracyComparison {
  readonly step: number;
  readonly loggedKey: string;
  readonly logged: number;
  readonly computed: number;
  /** logged − computed, in percentage points. */
  readonly differencePoints: number;
  /** Why the two differ, with both numbers; null when they agree to the 0.1 points they are shown with. */
  readonly explanation: string | null;
}

function latestCommon(a: Series, b: Series): { step: number; first: number; second: number } | undefined {
  const byStep = new Map<number, number>();
  b.steps.forEach((step, i) => {
    const value = b.values[i] as number;
    if (Number.isFinite(value)) byStep.set(step, value);
  });
  for (let i = a.steps.length - 1; i >= 0; i--) {
    const step = a.steps[i] as number;
    const first = a.values[i] as number;
    const second = byStep.get(step);
    if (Number.isFinite(first) && second !== undefined) return { step, first, second };
  }
  return undefined;
}

/**
 * TRL logs `eval_mean_token_accuracy` as a mean of per-batch accuracies (each batch token-weighted, the
 * batches then averaged with equal weight); the accuracy computed from evaluation outputs counts every token
 * once. Both are per-token accuracies of the same model, so a run that has both shows two numbers that
 * differ for a reason the user cannot see: it is said wherever they differ.
 */
export function compareLoggedAccuracy(
  metrics: ReadonlyMap<string, Series>,
  loggedKey: string | null,
  measure: AccuracyMeasure | null,
): AccuracyComparison | null {
  if (loggedKey === null || measure === null || accuracyDefinition(loggedKey) !== 'trl-token-accuracy') return null;
  const logged = metrics.get(loggedKey);
  const computed = metrics.get(COMPUTED_KEYS.accuracy);
  if (logged === undefined || computed === undefined) return null;
  const common = latestCommon(logged, computed);
  if (common === undefined) return null;
  const computedScale = accuracyScaleOf(computed.values);
  const differencePoints = toPercent(common.first, measure.scale) - toPercent(common.second, computedScale);
  const loggedText = formatAccuracy(common.first, measure.scale);
  const computedText = formatAccuracy(common.second, computedScale);
  const explanation =
    loggedText === computedText
      ? null
      : `At step ${common.step} TRL's ${loggedKey} is ${loggedText} and the token accuracy computed from the evaluation outputs is ${computedText} (${signedPoints(differencePoints, 'percent')}). ` +
        'They are different averages: TRL takes the accuracy of each evaluation batch and then the plain mean of the batches, so a batch with few tokens counts as much as a full one, while the computed one counts every token once. ' +
        'The outputs may also hold only part of the evaluation set.';
  return { step: common.step, loggedKey, logged: common.first, computed: common.second, differencePoints, explanation };
}
