import type { EvalPoints } from '../../src/core/analysis/evalPoints';
import { accuracyScaleOf } from '../../src/core/analysis/accuracyMeasure';
import type { Series } from '../../src/core/types';

/** Eval points as analysis builds them: the accuracy's scale decided once over the whole series, per token unless told. */
export function evalPoints(steps: readonly number[], loss: readonly number[], accuracy: readonly number[], perToken = true): EvalPoints {
  return { steps, loss, accuracy, measure: { scale: accuracyScaleOf(accuracy), perToken } };
}

/** A token-accuracy series with its measure, as rule (c) takes it. */
export function tokenAccuracy(series: Series): { series: Series; measure: EvalPoints['measure'] } {
  return { series, measure: { scale: accuracyScaleOf(series.values), perToken: true } };
}

/** Deterministic noise in [−0.5, 0.5), so that a failing case can be replayed from its seed. */
export function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32 - 0.5;
  };
}

/** n evals 100 steps apart with the given loss and accuracy curves plus uniform noise of the given widths. */
export function evalRun(
  n: number,
  loss: (k: number) => number,
  accuracy: (k: number) => number,
  seed = 1,
  lossNoise = 0.01,
  accuracyNoise = 0.002,
): EvalPoints {
  const next = noise(seed);
  const steps = Array.from({ length: n }, (_, k) => (k + 1) * 100);
  return evalPoints(
    steps,
    steps.map((_, k) => loss(k) + lossNoise * next()),
    steps.map((_, k) => accuracy(k) + accuracyNoise * next()),
  );
}

/** A loss with its minimum at eval `bottom`: it falls to 2 and climbs again. */
export const valley = (bottom: number) => (k: number) => 2 + 0.05 * (k - bottom) ** 2;

/** A series of `n` logs `every` steps apart from a curve plus noise. */
export function seriesOf(n: number, curve: (k: number) => number, seed = 7, width = 0, every = 10): Series {
  const next = noise(seed);
  const steps = Array.from({ length: n }, (_, k) => (k + 1) * every);
  return { steps, values: steps.map((_, k) => curve(k) + width * next()) };
}
