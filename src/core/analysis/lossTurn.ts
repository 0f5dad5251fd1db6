import { mannKendallBoth, mannKendallP, level, mean, noiseSigma } from './statistics';
import { argmin, evaluationCount, MIN_EVALS_ABOVE_LOW, stepSpan, type EvalPoints } from './evalPoints';
import { formatAccuracy, pointsInUnits, signedPoints, type AccuracyScale } from './accuracyMeasure';
import type { Confidence } from './warning';

/**
 * What rules (a) and (b) share: the eval loss after its minimum i*, and how the accuracy moved over the
 * same evaluations. The minimum itself is left out of the loss tail so that the trend test is valid.
 */
export interface LossTurn {
  readonly best: number;
  /** m = n − i*: the points after the minimum. */
  readonly tailPoints: number;
  readonly bestLoss: number;
  /** LossUp: MK_p(tail, up) ≤ 0.05 and lvl(tail) − L_{i*} ≥ max(2% of L_{i*}, 3σ_L). */
  readonly lossUp: boolean;
  readonly lossP: number;
  /** lvl(tail) − L_{i*}: the median of the last ⌈m/2⌉ evaluations against the minimum. */
  readonly lossRise: number;
  readonly lossRisePercent: number;
  readonly bestStep: number;
  /** gain = mean(last ⌈m/2⌉ of A) − mean(A_{i*}, A_{i*+1}); floor = max(0.3 points, 2σ_A·√(1/2 + 1/⌈m/2⌉)). */
  readonly gain: number;
  readonly floor: number;
  /** The two means the gain compares, and the steps each was taken over. */
  readonly accuracyBefore: number;
  readonly accuracyAfter: number;
  readonly beforeSteps: readonly number[];
  readonly afterSteps: readonly number[];
  readonly accuracyUpP: number;
  readonly accuracyDownP: number;
  readonly scale: AccuracyScale;
  /** n: evaluations with both a loss and an accuracy. */
  readonly evaluations: number;
}

/** Undefined when fewer than 4 points follow the minimum: no trend can be claimed from fewer. */
export function lossTurn(points: EvalPoints): LossTurn | undefined {
  const { loss, accuracy, steps } = points;
  const { scale } = points.measure;
  const n = loss.length;
  const best = argmin(loss);
  const tail = loss.slice(best + 1);
  const m = tail.length;
  if (m < 4) return undefined;
  const bestLoss = loss[best] as number;
  const lossP = mannKendallP(tail, 'up');
  const lossRise = level(tail) - bestLoss;
  // σ from the points under test only: the fast early fall of the loss would inflate it several-fold.
  const lossUp = lossP <= 0.05 && lossRise >= Math.max(0.02 * Math.abs(bestLoss), 3 * noiseSigma(loss.slice(best)));
  const fromBest = accuracy.slice(best);
  const half = Math.ceil(m / 2);
  const lossRisePercent = Math.round((100 * lossRise) / Math.abs(bestLoss));
  const bestStep = steps[best] as number;
  const accuracyBefore = mean(accuracy.slice(best, best + 2));
  const accuracyAfter = mean(accuracy.slice(n - half));
  const accuracyTrend = mannKendallBoth(fromBest);
  return {
    best,
    tailPoints: m,
    bestLoss,
    lossUp,
    lossP,
    lossRise,
    lossRisePercent,
    bestStep,
    gain: accuracyAfter - accuracyBefore,
    floor: Math.max(pointsInUnits(0.3, scale), 2 * noiseSigma(fromBest) * Math.sqrt(0.5 + 1 / half)),
    accuracyBefore,
    accuracyAfter,
    beforeSteps: steps.slice(best, best + 2),
    afterSteps: steps.slice(n - half),
    accuracyUpP: accuracyTrend.up,
    accuracyDownP: accuracyTrend.down,
    scale,
    evaluations: n,
  };
}

/**
 * "is up 18% from its minimum at step 400 (the median of the last 4 evaluations against that minimum)": what
 * the percentage compares is said with it; `more` adds to the parenthesis. From a minimum of exactly 0 a
 * percentage is infinite, so the rise is given as it is.
 */
export function lossRiseText(turn: LossTurn, more = ''): string {
  const levelOf = `the median of ${evaluationCount(Math.ceil(turn.tailPoints / 2))}`;
  return Number.isFinite(turn.lossRisePercent)
    ? `is up ${turn.lossRisePercent}% from its minimum at step ${turn.bestStep} (${levelOf} against that minimum${more})`
    : `is up ${turn.lossRise.toPrecision(3)} from its minimum of 0 at step ${turn.bestStep} (${levelOf}${more})`;
}

/** "48.0% (mean of steps 400–500) → 48.5% (mean of the last 4 evaluations)": the two means the gain compares. */
export function accuracyChangeText(turn: LossTurn): string {
  const before = `${formatAccuracy(turn.accuracyBefore, turn.scale)} (mean of ${stepSpan(turn.beforeSteps)})`;
  const after = `${formatAccuracy(turn.accuracyAfter, turn.scale)} (mean of ${evaluationCount(turn.afterSteps.length)})`;
  return `${before} → ${after}, ${signedPoints(turn.gain, turn.scale)}`;
}

/** The evidence rules (a) and (b) both give: the minimum and the last evaluation, and the loss's rise between them. */
export function turnEvidence(points: EvalPoints, turn: LossTurn): Record<string, number> {
  const { steps, loss, accuracy } = points;
  const n = steps.length;
  return {
    bestLossStep: steps[turn.best] as number,
    bestLoss: turn.bestLoss,
    lastStep: steps[n - 1] as number,
    lastLoss: loss[n - 1] as number,
    accuracyAtBestLoss: accuracy[turn.best] as number,
    lastAccuracy: accuracy[n - 1] as number,
    accuracyMeanAtMinimum: turn.accuracyBefore,
    accuracyMeanLater: turn.accuracyAfter,
    ...(Number.isFinite(turn.lossRisePercent) ? { lossRisePercent: turn.lossRisePercent } : {}),
    lossTrendP: turn.lossP,
    evaluations: n,
  };
}

/**
 * High when both p-values are ≤ 0.01 with m ≥ 5, medium when both are ≤ 0.05, low otherwise; and never
 * above low from fewer than 8 evaluations, where a few noisy points can pass a trend test by chance.
 */
export function confidenceOf(pA: number, pB: number, m: number, evaluations: number): Confidence {
  if (evaluations < MIN_EVALS_ABOVE_LOW) return 'low';
  if (pA <= 0.01 && pB <= 0.01 && m >= 5) return 'high';
  if (pA <= 0.05 && pB <= 0.05) return 'medium';
  return 'low';
}

/** A confidence no higher than `cap`, and low from fewer than 8 evaluations. */
export function cappedConfidence(confidence: Confidence, cap: Confidence, evaluations: number): Confidence {
  const order: readonly Confidence[] = ['low', 'medium', 'high'];
  if (evaluations < MIN_EVALS_ABOVE_LOW) return 'low';
  return order[Math.min(order.indexOf(confidence), order.indexOf(cap))] as Confidence;
}
