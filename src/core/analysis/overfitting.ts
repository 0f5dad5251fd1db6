import type { Series } from '../types';
import { formatPoints, type EvalPoints } from './evalPoints';
import { confidenceOf, lossTurn, turnEvidence } from './lossTurn';
import { mannKendallP, mean } from './statistics';
import type { Warning } from './warning';

/**
 * T_k: the mean of the finite train-loss logs since the previous eval, up to and including eval k. An
 * eval with no train log before it gets NaN, which the trend test below leaves out.
 */
export function trainLossAtEvals(evalSteps: readonly number[], train: Series): number[] {
  let j = 0;
  return evalSteps.map((step) => {
    const window: number[] = [];
    for (; j < train.steps.length && (train.steps[j] as number) <= step; j++) {
      const value = train.values[j] as number;
      if (Number.isFinite(value)) window.push(value);
    }
    return window.length === 0 ? Number.NaN : mean(window);
  });
}

/**
 * Rule (b): eval loss up and token accuracy down by more than noise, while train loss keeps falling: the
 * model memorises the training set. Without a falling train loss the cause is not known, so the warning
 * says only that validation is getting worse. GL is Prechelt's generalization loss, 100·(L_n/L_min − 1).
 */
export function overfitting(points: EvalPoints, trainLoss?: Series): Warning | undefined {
  const turn = lossTurn(points);
  if (turn === undefined || !turn.lossUp) return undefined;
  const { gain, floor, accuracyDownP, lossP, best, scale, tailPoints } = turn;
  if (accuracyDownP > 0.05 || -gain < floor) return undefined;
  const { steps, loss } = points;
  const n = steps.length;
  const bestStep = steps[best] as number;
  const lastStep = steps[n - 1] as number;
  const generalizationLoss = 100 * ((loss[n - 1] as number) / turn.bestLoss - 1);
  const train = trainLoss === undefined ? [] : trainLossAtEvals(steps, trainLoss).slice(best).filter(Number.isFinite);
  const trainP = mannKendallP(train, 'down');
  const trainFalling = train.length >= 4 && trainP <= 0.05 && (train[train.length - 1] as number) < (train[0] as number);
  const evidence = {
    ...turnEvidence(points, turn),
    accuracyDrop: -gain,
    accuracyFloor: floor,
    accuracyTrendP: accuracyDownP,
    ...(Number.isFinite(generalizationLoss) ? { generalizationLoss } : {}),
    tailPoints,
    ...(train.length > 0 ? { trainLossAtBest: train[0] as number, lastTrainLoss: train[train.length - 1] as number, trainTrendP: trainP } : {}),
  };
  const drop = formatPoints(-gain, scale);
  // From a minimum loss of exactly 0, GL is infinite and says nothing.
  const gl = Number.isFinite(generalizationLoss) ? ` (Prechelt's generalization loss GL = ${generalizationLoss.toFixed(0)})` : '';
  if (trainFalling) {
    return {
      kind: 'overfitting',
      form: 'train-loss-falling',
      confidence: confidenceOf(lossP, accuracyDownP, tailPoints),
      step: lastStep,
      startStep: bestStep,
      message: `The model is overfitting: since step ${bestStep} eval loss is ${turn.riseText} and token accuracy is down ${drop}, while train loss keeps falling${gl}. The checkpoint at step ${bestStep} is better than the latest.`,
      evidence,
    };
  }
  return {
    kind: 'overfitting',
    form: 'cause-unknown',
    // Without the train loss to tell memorising from other trouble, the rule never claims more than medium.
    confidence: confidenceOf(lossP, accuracyDownP, tailPoints) === 'low' ? 'low' : 'medium',
    step: lastStep,
    startStep: bestStep,
    message: `Validation is getting worse, cause unknown: since step ${bestStep} eval loss is ${turn.riseText} and token accuracy is down ${drop}${gl}${trainLoss === undefined ? '; no train loss is logged to tell overfitting from other trouble' : ', but train loss is not falling'}.`,
    evidence,
  };
}
