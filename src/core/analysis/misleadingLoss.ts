import { formatAccuracy, formatPoints, type EvalPoints } from './evalPoints';
import { confidenceOf, lossTurn, turnEvidence } from './lossTurn';
import type { Warning } from './warning';

/**
 * Rule (a): the eval loss rises after its minimum while token accuracy does not get worse. The rise is
 * calibration (over-confidence), not worse predictions. Thresholds as in WARNINGS.md.
 */
export function misleadingLoss(points: EvalPoints): Warning | undefined {
  const turn = lossTurn(points);
  if (turn === undefined || !turn.lossUp) return undefined;
  const { loss, accuracy, steps } = points;
  const n = loss.length;
  const { best, scale, gain, floor, lossP, accuracyUpP, accuracyDownP, riseText, tailPoints } = turn;
  const bestStep = steps[best] as number;
  const lastStep = steps[n - 1] as number;
  const evidence = {
    ...turnEvidence(points, turn),
    accuracyGain: gain,
    accuracyFloor: floor,
    accuracyTrendP: accuracyUpP,
    tailPoints,
  };

  if (accuracyUpP <= 0.05 && gain >= floor) {
    return {
      kind: 'misleading-loss',
      form: 'rising',
      confidence: confidenceOf(lossP, accuracyUpP, tailPoints),
      step: lastStep,
      startStep: bestStep,
      message: `Eval loss is ${riseText} since step ${bestStep}, but token accuracy is up ${formatPoints(gain, scale)}: the model is getting over-confident, not worse. Judge this run by token accuracy.`,
      evidence,
    };
  }
  if (accuracyDownP > 0.05 && -gain < floor) {
    const from = formatAccuracy(accuracy[best] as number, scale);
    const to = formatAccuracy(accuracy[n - 1] as number, scale);
    return {
      kind: 'misleading-loss',
      form: 'holding',
      // The holding form rests on the loss trend alone, so it never reaches high confidence.
      confidence: lossP <= 0.01 ? 'medium' : 'low',
      step: lastStep,
      startStep: bestStep,
      message: `Eval loss is ${riseText} since step ${bestStep}, yet token accuracy has not fallen (${from} → ${to}): the rise is calibration, not worse predictions.`,
      evidence,
    };
  }
  return undefined;
}
