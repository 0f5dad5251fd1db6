import type { Series } from '../types';

/** Eval points k = 1..n at which both the eval loss and the eval accuracy were logged, finite, in step order. */
export interface EvalPoints {
  readonly steps: readonly number[];
  readonly loss: readonly number[];
  readonly accuracy: readonly number[];
}

export function joinEvalPoints(loss: Series, accuracy: Series): EvalPoints {
  const accuracyByStep = new Map<number, number>();
  accuracy.steps.forEach((step, i) => accuracyByStep.set(step, accuracy.values[i] as number));
  const steps: number[] = [];
  const lossValues: number[] = [];
  const accuracyValues: number[] = [];
  loss.steps.forEach((step, i) => {
    const l = loss.values[i] as number;
    const a = accuracyByStep.get(step);
    if (a === undefined || !Number.isFinite(l) || !Number.isFinite(a)) return;
    steps.push(step);
    lossValues.push(l);
    accuracyValues.push(a);
  });
  return { steps, loss: lossValues, accuracy: accuracyValues };
}

export function argmin(values: readonly number[]): number {
  let best = 0;
  values.forEach((value, i) => {
    if (value < (values[best] as number)) best = i;
  });
  return best;
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  values.forEach((value, i) => {
    if (value > (values[best] as number)) best = i;
  });
  return best;
}

/** Accuracies are logged as fractions or as percentages; thresholds in "points" need to know which. */
export function percentScale(accuracy: readonly number[]): number {
  return accuracy.some((value) => value > 1.5) ? 1 : 100;
}

export function formatPoints(delta: number, scale: number): string {
  return `${(delta * scale).toFixed(1)} points`;
}

export function formatAccuracy(value: number, scale: number): string {
  return `${(value * scale).toFixed(1)}%`;
}
