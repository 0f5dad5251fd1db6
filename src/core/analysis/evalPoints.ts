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

function increasing(steps: readonly number[]): boolean {
  for (let i = 1; i < steps.length; i++) if (!((steps[i] as number) > (steps[i - 1] as number))) return false;
  return true;
}

/**
 * Where both series are sorted by step with each step once (as the store keeps them), joined in one merge;
 * a series built otherwise is joined by a table of the accuracy by step, its last value for a step winning.
 */
export function joinEvalPoints(loss: Series, accuracy: Series, measure: AccuracyMeasure): EvalPoints {
  if (!increasing(loss.steps) || !increasing(accuracy.steps)) return joinByTable(loss, accuracy, measure);
  const steps: number[] = [];
  const lossValues: number[] = [];
  const accuracyValues: number[] = [];
  let j = 0;
  for (let i = 0; i < loss.steps.length; i++) {
    const step = loss.steps[i] as number;
    while (j < accuracy.steps.length && (accuracy.steps[j] as number) < step) j++;
    if (accuracy.steps[j] !== step) continue;
    const l = loss.values[i] as number;
    const a = accuracy.values[j] as number;
    if (!Number.isFinite(l) || !Number.isFinite(a)) continue;
    steps.push(step);
    lossValues.push(l);
    accuracyValues.push(a);
  }
  return { steps, loss: lossValues, accuracy: accuracyValues, measure };
}

function joinByTable(loss: Series, accuracy: Series, measure: AccuracyMeasure): EvalPoints {
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
  for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[best] as number)) best = i;
  return best;
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
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
