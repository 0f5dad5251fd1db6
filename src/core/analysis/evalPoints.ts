import type { Series } from '../types';
import type { AccuracyMeasure } from './accuracyMeasure';

/**
 * Eval points k = 1..n at which both the eval loss and the eval accuracy were logged, finite, in step order,
 * with the accuracy's measure (scale and per-token or not) decided once over its whole series.
 */
export interface EvalPoints {
  readonly steps: readonly number[];
  readonly loss: readonly number[];
  readonly accuracy: readonly number[];
  readonly measure: AccuracyMeasure;
}

export function joinEvalPoints(loss: Series, accuracy: Series, measure: AccuracyMeasure): EvalPoints {
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
  return { steps, loss: lossValues, accuracy: accuracyValues, measure };
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

/** WARNINGS.md: a monotone series of 4 points is the least a trend can rest on, and with fewer than 8 evaluations no warning is above low confidence. */
export const MIN_EVALS_ABOVE_LOW = 8;

/** "the last 3 evaluations" */
export function evaluationCount(count: number): string {
  return count === 1 ? 'the last evaluation' : `the last ${count} evaluations`;
}

/** "step 400" or "steps 400–500": the evaluations a mean was taken over. */
export function stepSpan(steps: readonly number[]): string {
  const first = steps[0];
  const last = steps[steps.length - 1];
  return first === last ? `step ${first}` : `steps ${first}–${last}`;
}

/** A p-value as the messages print it. */
export function pText(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}
