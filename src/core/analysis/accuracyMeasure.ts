import type { AccuracyDefinition } from './metricRoles';

/** How an accuracy series is written: as fractions in [0, 1] or as percentages. */
export type AccuracyScale = 'fraction' | 'percent';

/**
 * What every view needs to show an accuracy honestly, decided once per series and carried with it (in the
 * eval points the rules read, the run view, the report): its scale, and whether it counts tokens.
 */
export interface AccuracyMeasure {
  readonly scale: AccuracyScale;
  /** False for a generic accuracy, which may be per sample or leave padding in: it is then not called token accuracy. */
  readonly perToken: boolean;
}

/**
 * A fraction cannot exceed 1, so one value above 1 anywhere in the series means the series is in percent.
 * The margin allows a token-weighted mean of fractions that are all 1 to come out a few ulps above 1.
 */
const FRACTION_MAX = 1 + 1e-9;

/**
 * The scale of a series, from all its finite values. Decided over the whole series, never per value: a
 * percent log that stays below 1.5 (a run near 1%) is still percent once any value exceeds 1, and a
 * fraction of 1.2 cannot occur, so it is never shown as "120%" beside fractions.
 */
export function accuracyScaleOf(values: Iterable<number | null>): AccuracyScale {
  for (const value of values) if (value !== null && Number.isFinite(value) && value > FRACTION_MAX) return 'percent';
  return 'fraction';
}

export function accuracyMeasure(values: Iterable<number | null>, definition: AccuracyDefinition): AccuracyMeasure {
  return { scale: accuracyScaleOf(values), perToken: definition !== 'generic-accuracy' };
}

/** Percent per unit of the series: 100 for fractions, 1 for percentages. */
export function percentFactor(scale: AccuracyScale): number {
  return scale === 'percent' ? 1 : 100;
}

/** A value in the series' own unit as a percentage. */
export function toPercent(value: number, scale: AccuracyScale): number {
  return value * percentFactor(scale);
}

/** A threshold given in percentage points, in the series' own unit (0.3 points is 0.003 of a fraction). */
export function pointsInUnits(points: number, scale: AccuracyScale): number {
  return points / percentFactor(scale);
}

/** "48.0%" */
export function formatAccuracy(value: number, scale: AccuracyScale): string {
  return `${toPercent(value, scale).toFixed(1)}%`;
}

/** "2.1 points": a difference of two accuracies, in percentage points. */
export function formatPoints(delta: number, scale: AccuracyScale, digits = 1): string {
  return `${toPercent(delta, scale).toFixed(digits)} points`;
}

/** "+2.1 points", "−0.2 points"; a change that rounds to 0.0 gets no sign. */
export function signedPoints(delta: number, scale: AccuracyScale): string {
  const shown = Math.abs(toPercent(delta, scale)).toFixed(1);
  return `${shown === '0.0' ? '' : delta > 0 ? '+' : '−'}${shown} points`;
}

/** What to call the series in a sentence: "token accuracy" only for a per-token definition. */
export function accuracyNoun(measure: AccuracyMeasure): string {
  return measure.perToken ? 'token accuracy' : 'accuracy';
}

/** The same, at the start of a sentence. */
export function accuracyNounCapitalized(measure: AccuracyMeasure): string {
  const noun = accuracyNoun(measure);
  return noun.charAt(0).toUpperCase() + noun.slice(1);
}
