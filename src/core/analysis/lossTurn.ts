import { mannKendallP, level, mean, noiseSigma } from './statistics';
import { argmin, percentScale, type EvalPoints } from './evalPoints';

/**
 * What rules (a) and (b) share: the eval loss after its minimum i*, and how token accuracy moved over the
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
  readonly lossRise: number;
  readonly lossRisePercent: number;
  /** "up 18%"; from a minimum of exactly 0 a percentage is infinite, so the rise is given as it is. */
  readonly riseText: string;
  /** gain = mean(last ⌈m/2⌉ of A) − mean(A_{i*}, A_{i*+1}); floor = max(0.3 points, 2σ_A·√(1/2 + 1/⌈m/2⌉)). */
  readonly gain: number;
  readonly floor: number;
  readonly accuracyUpP: number;
  readonly accuracyDownP: number;
  /** 1 when accuracies are percentages, 100 when fractions. */
  readonly scale: number;
}

/** Undefined when fewer than 4 points follow the minimum: no trend can be claimed from fewer. */
export function lossTurn(points: EvalPoints): LossTurn | undefined {
  const { loss, accuracy } = points;
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
  return {
    best,
    tailPoints: m,
    bestLoss,
    lossUp,
    lossP,
    lossRise,
    lossRisePercent,
    riseText: Number.isFinite(lossRisePercent) ? `up ${lossRisePercent}%` : `up ${lossRise.toPrecision(3)} from 0`,
    gain: mean(accuracy.slice(n - half)) - mean(accuracy.slice(best, best + 2)),
    floor: Math.max(0.3 / percentScale(accuracy), 2 * noiseSigma(fromBest) * Math.sqrt(0.5 + 1 / half)),
    accuracyUpP: mannKendallP(fromBest, 'up'),
    accuracyDownP: mannKendallP(fromBest, 'down'),
    scale: percentScale(accuracy),
  };
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
    ...(Number.isFinite(turn.lossRisePercent) ? { lossRisePercent: turn.lossRisePercent } : {}),
    lossTrendP: turn.lossP,
  };
}

/** High when both p-values are ≤ 0.01 with m ≥ 5, medium when both are ≤ 0.05, low otherwise. */
export function confidenceOf(pA: number, pB: number, m: number): 'high' | 'medium' | 'low' {
  if (pA <= 0.01 && pB <= 0.01 && m >= 5) return 'high';
  if (pA <= 0.05 && pB <= 0.05) return 'medium';
  return 'low';
}
