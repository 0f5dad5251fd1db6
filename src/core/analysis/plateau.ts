import type { Series } from '../types';
import { evaluationCount, pText } from './evalPoints';
import { accuracyNoun, accuracyNounCapitalized, formatPoints, pointsInUnits, type AccuracyMeasure } from './accuracyMeasure';
import { allFinite, level, mannKendallBoth, mannKendallP, theilSen } from './statistics';
import type { Confidence, Warning } from './warning';

interface Flatness {
  readonly flat: boolean;
  readonly steps: readonly number[];
  readonly values: readonly number[];
  /** The largest change over the window that the 90% interval of the Theil–Sen slope allows. */
  readonly bound: number;
  readonly epsilon: number;
  /** One-sided Mann–Kendall p-values over the window. */
  readonly upP: number;
  readonly downP: number;
}

/** The series' finite points: the series itself when all are (nothing here writes to them), else a copy without the rest. */
function finitePoints(series: Series): { readonly steps: readonly number[]; readonly values: readonly number[] } {
  if (allFinite(series.values)) return series;
  const steps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < series.steps.length; i++) {
    const value = series.values[i] as number;
    if (value - value !== 0) continue;
    steps.push(series.steps[i] as number);
    values.push(value);
  }
  return { steps, values };
}

/** Theil–Sen needs every pair: cost grows with W². */
const MAX_FIT_POINTS = 100;

/**
 * A long window thinned evenly to at most MAX_FIT_POINTS, first and last kept. Fewer points only widen
 * the slope's interval, so thinning can make a plateau harder to claim, never easier.
 */
function thinned(steps: readonly number[], values: readonly number[]): [number[], number[]] {
  if (steps.length <= MAX_FIT_POINTS) return [[...steps], [...values]];
  const picks = Array.from({ length: MAX_FIT_POINTS }, (_, i) => Math.round((i * (steps.length - 1)) / (MAX_FIT_POINTS - 1)));
  return [picks.map((i) => steps[i] as number), picks.map((i) => values[i] as number)];
}

/**
 * Over the last W = max(5, ⌈n/3⌉) points, flat when even the steepest slope in the 90% Theil–Sen interval
 * moves the series by less than ε across the window, and the Mann–Kendall test finds no trend either way
 * (p > 0.05): a plateau is claimed only when a trend is ruled out, not merely when none was found. The
 * interval alone let a steady rise pass: a slope small in absolute points over a short window is still a
 * rise, and a run that keeps rising is not done.
 */
function flatness(series: Series, epsilonOf: (window: readonly number[]) => number): Flatness | undefined {
  const { steps, values } = finitePoints(series);
  const width = Math.max(5, Math.ceil(values.length / 3));
  if (values.length < width) return undefined;
  const windowSteps = steps.slice(-width);
  const windowValues = values.slice(-width);
  const fit = theilSen(...thinned(windowSteps, windowValues), 0.1);
  if (fit === undefined) return undefined;
  const span = (windowSteps[width - 1] as number) - (windowSteps[0] as number);
  const bound = Math.max(Math.abs(fit.low), Math.abs(fit.high)) * span;
  const epsilon = epsilonOf(windowValues);
  const { up: upP, down: downP } = mannKendallBoth(windowValues);
  return { flat: bound < epsilon && upP > 0.05 && downP > 0.05, steps: windowSteps, values: windowValues, bound, epsilon, upP, downP };
}

const confidenceFor = (window: Flatness): Confidence => (window.steps.length >= 8 ? 'medium' : 'low');

/** "over the last 8 evaluations, by the 90% interval of its Theil–Sen trend, with no Mann–Kendall trend (p = 0.40 up, 0.66 down)" */
function measuredText(window: Flatness): string {
  return `over ${evaluationCount(window.steps.length)}, by the 90% interval of its Theil–Sen trend, with no Mann–Kendall trend (p = ${pText(window.upP)} up, ${pText(window.downP)} down)`;
}

/**
 * Rule (c). An accuracy plateau suggests more training is unlikely to improve it; a loss plateau while the
 * accuracy still rises says a loss-based early stop would end the run too soon. ε is 0.3 points for
 * accuracy and 1% of the level for loss.
 */
export function plateau(loss: Series | undefined, accuracy: { readonly series: Series; readonly measure: AccuracyMeasure } | undefined): Warning | undefined {
  const accuracyWindow = accuracy === undefined ? undefined : flatness(accuracy.series, () => pointsInUnits(0.3, accuracy.measure.scale));
  if (accuracy !== undefined && accuracyWindow?.flat === true) {
    const from = accuracyWindow.steps[0] as number;
    return {
      kind: 'plateau',
      form: 'accuracy-plateau',
      confidence: confidenceFor(accuracyWindow),
      step: accuracyWindow.steps[accuracyWindow.steps.length - 1] as number,
      startStep: from,
      message: `${accuracyNounCapitalized(accuracy.measure)} has levelled off since step ${from}: it changed by at most ${formatPoints(accuracyWindow.bound, accuracy.measure.scale)} ${measuredText(accuracyWindow)}. More training is unlikely to improve it.`,
      evidence: {
        windowPoints: accuracyWindow.steps.length,
        firstStep: from,
        changeBound: accuracyWindow.bound,
        epsilon: accuracyWindow.epsilon,
        level: level(accuracyWindow.values),
        trendUpP: accuracyWindow.upP,
        trendDownP: accuracyWindow.downP,
      },
    };
  }
  const lossWindow = loss === undefined ? undefined : flatness(loss, (window) => 0.01 * Math.abs(level(window)));
  if (lossWindow?.flat !== true) return undefined;
  const from = lossWindow.steps[0] as number;
  const lossLevel = level(lossWindow.values);
  const common = {
    kind: 'plateau' as const,
    confidence: confidenceFor(lossWindow),
    step: lossWindow.steps[lossWindow.steps.length - 1] as number,
    startStep: from,
    evidence: {
      windowPoints: lossWindow.steps.length,
      firstStep: from,
      changeBound: lossWindow.bound,
      epsilon: lossWindow.epsilon,
      level: lossLevel,
      trendUpP: lossWindow.upP,
      trendDownP: lossWindow.downP,
    },
  };
  const lossChange = `it changed by at most ${((100 * lossWindow.bound) / Math.abs(lossLevel)).toFixed(2)}% of its level ${measuredText(lossWindow)}`;
  if (accuracy === undefined) {
    return {
      ...common,
      form: 'loss-plateau',
      message: `Eval loss has levelled off since step ${from}: ${lossChange}. No accuracy is logged to tell whether predictions still improve.`,
    };
  }
  const recent = finitePoints(accuracy.series);
  const sinceSteps = recent.steps.filter((step) => step >= from);
  const since = recent.values.filter((_, i) => (recent.steps[i] as number) >= from);
  const risingP = mannKendallP(since, 'up');
  const gain = (since[since.length - 1] ?? Number.NaN) - (since[0] ?? Number.NaN);
  if (!(risingP <= 0.05 && gain > 0)) return undefined;
  const noun = accuracyNoun(accuracy.measure);
  return {
    ...common,
    form: 'loss-plateau-accuracy-rising',
    message: `Eval loss has flattened since step ${from}: ${lossChange}; but ${noun} is still rising: +${formatPoints(gain, accuracy.measure.scale)} from step ${sinceSteps[0]} to step ${sinceSteps[sinceSteps.length - 1]} (Mann–Kendall p = ${pText(risingP)}). A loss-based early stop would end this run too soon.`,
    evidence: { ...common.evidence, accuracyGain: gain, accuracyTrendP: risingP },
  };
}
