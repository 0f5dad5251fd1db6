import { mannKendallP, level, mean, noiseSigma } from './statistics';
import { argmin, formatAccuracy, formatPoints, percentScale, type EvalPoints } from './evalPoints';
import type { Confidence, Warning } from './warning';

/**
 * Rule (a): the eval loss rises after its minimum while token accuracy does not get worse. The rise is
 * calibration (over-confidence), not worse predictions. Thresholds as in WARNINGS.md.
 */
export function misleadingLoss(points: EvalPoints): Warning | undefined {
  const { loss, accuracy, steps } = points;
  const n = loss.length;
  const best = argmin(loss);
  const tail = loss.slice(best + 1);
  const m = tail.length;
  if (m < 4) return undefined;

  const bestLoss = loss[best] as number;
  const lossP = mannKendallP(tail, 'up');
  const lossRise = level(tail) - bestLoss;
  const lossUp = lossP <= 0.05 && lossRise >= Math.max(0.02 * Math.abs(bestLoss), 3 * noiseSigma(tail));
  if (!lossUp) return undefined;

  const scale = percentScale(accuracy);
  const fromBest = accuracy.slice(best);
  const half = Math.ceil(m / 2);
  const gain = mean(accuracy.slice(n - half)) - mean(accuracy.slice(best, best + 2));
  const floor = Math.max(0.3 / scale, 2 * noiseSigma(fromBest) * Math.sqrt(0.5 + 1 / half));
  const accuracyUpP = mannKendallP(fromBest, 'up');
  const accuracyDownP = mannKendallP(fromBest, 'down');
  const lossPercent = Math.round((100 * lossRise) / Math.abs(bestLoss));
  const bestStep = steps[best] as number;
  const evidence = { bestLossStep: bestStep, bestLoss, lossRisePercent: lossPercent, lossTrendP: lossP, accuracyGain: gain, accuracyTrendP: accuracyUpP, tailPoints: m };

  if (accuracyUpP <= 0.05 && gain >= floor) {
    const confidence: Confidence = lossP <= 0.01 && accuracyUpP <= 0.01 && m >= 5 ? 'high' : 'medium';
    return {
      kind: 'misleading-loss',
      confidence,
      step: steps[n - 1] as number,
      message: `Eval loss is up ${lossPercent}% since step ${bestStep}, but token accuracy is up ${formatPoints(gain, scale)}: the model is getting over-confident, not worse. Judge this run by token accuracy.`,
      evidence,
    };
  }
  if (accuracyDownP > 0.05 && -gain < floor) {
    const from = formatAccuracy(accuracy[best] as number, scale);
    const to = formatAccuracy(accuracy[n - 1] as number, scale);
    return {
      kind: 'misleading-loss',
      confidence: lossP <= 0.01 ? 'medium' : 'low',
      step: steps[n - 1] as number,
      message: `Eval loss is up ${lossPercent}% since step ${bestStep}, yet token accuracy has not fallen (${from} → ${to}): the rise is calibration, not worse predictions.`,
      evidence,
    };
  }
  return undefined;
}
