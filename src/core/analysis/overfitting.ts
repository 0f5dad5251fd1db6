import type { Series } from '../types';
import { pText, type EvalPoints } from './evalPoints';
import { accuracyNoun } from './accuracyMeasure';
import { accuracyChangeText, cappedConfidence, lossRiseText, confidenceOf, lossTurn, turnEvidence } from './lossTurn';
import { mannKendallP, mean } from './statistics';
import type { Warning } from './warning';

/**
 * T_k: the mean of the finite train-loss logs since the previous eval, up to and including eval k. An
 * eval with no train log before it gets NaN, which the trend test below leaves out.
 */
export function trainLossAtEvals(evalSteps: readonly number[], train: Series, from = 0): number[] {
  // From eval `from` on: its window starts after the eval before it, found by binary search, not by a pass over every train log.
  let j = from === 0 ? 0 : firstAfter(train.steps, evalSteps[from - 1] as number);
  return evalSteps.slice(from).map((step) => {
    const window: number[] = [];
    for (; j < train.steps.length && (train.steps[j] as number) <= step; j++) {
      const value = train.values[j] as number;
      if (Number.isFinite(value)) window.push(value);
    }
    return window.length === 0 ? Number.NaN : mean(window);
  });
}

function firstAfter(steps: readonly number[], step: number): number {
  let low = 0;
  let high = steps.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((steps[middle] as number) <= step) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Rule (b): eval loss up and accuracy down by more than noise, while train loss keeps falling: the
 * model memorises the training set. Without a falling train loss the cause is not known, so the warning
 * says only that validation is getting worse. GL is Prechelt's generalization loss, 100·(L_n/L_min − 1).
 * `turn` is the loss turn of `points`, given when the caller has it already (rule (a) needs the same one).
 */
export function overfitting(points: EvalPoints, trainLoss?: Series, turn = lossTurn(points)): Warning | undefined {
  if (turn === undefined || !turn.lossUp) return undefined;
  const { gain, floor, accuracyDownP, lossP, best, tailPoints, evaluations } = turn;
  if (accuracyDownP > 0.05 || -gain < floor) return undefined;
  const { steps, loss, measure } = points;
  const n = steps.length;
  const bestStep = steps[best] as number;
  const lastStep = steps[n - 1] as number;
  const generalizationLoss = 100 * ((loss[n - 1] as number) / turn.bestLoss - 1);
  const train = trainLoss === undefined ? [] : trainLossAtEvals(steps, trainLoss, best).filter(Number.isFinite);
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
  const noun = accuracyNoun(measure);
  // GL compares the last evaluation with the minimum, the rise above compares the later median with it: each is named.
  // From a minimum loss of exactly 0, GL is infinite and says nothing.
  const gl = Number.isFinite(generalizationLoss)
    ? `; the last evaluation alone is ${generalizationLoss.toFixed(0)}% above it, Prechelt's generalization loss GL = ${generalizationLoss.toFixed(0)}`
    : '';
  const change = `eval loss ${lossRiseText(turn, gl)} and ${noun} is down: ${accuracyChangeText(turn)} (Mann–Kendall p = ${pText(accuracyDownP)} for a fall)`;
  if (trainFalling) {
    return {
      kind: 'overfitting',
      form: 'train-loss-falling',
      confidence: confidenceOf(lossP, accuracyDownP, tailPoints, evaluations),
      step: lastStep,
      startStep: bestStep,
      message: `The model is overfitting: ${change}, while train loss keeps falling. The checkpoint at step ${bestStep} is better than the later ones on both loss and ${noun}.`,
      evidence,
    };
  }
  return {
    kind: 'overfitting',
    form: 'cause-unknown',
    // Without the train loss to tell memorising from other trouble, the rule never claims more than medium.
    confidence: cappedConfidence(confidenceOf(lossP, accuracyDownP, tailPoints, evaluations), 'medium', evaluations),
    step: lastStep,
    startStep: bestStep,
    message: `Validation is getting worse, cause unknown: ${change}${trainLoss === undefined ? '; no train loss is logged to tell overfitting from other trouble' : ', but train loss is not falling'}.`,
    evidence,
  };
}
