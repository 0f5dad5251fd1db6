import type { Warning } from './analysis/warning';

/**
 * What a run's x counts: the trainer's step, or the epoch where its logs give no step (a notebook's printed
 * Trainer dicts, Keras `fit` logs, a progress table with only an Epoch column). The reader that decided it says
 * so in the run's info (`xUnit`); every view names a run's x through this one word, never "step" for an epoch.
 */
export type XUnit = 'step' | 'epoch';

/** The run's x unit as its reader decided it; a run whose reader said nothing counts steps. */
export function xUnitOf(info: { readonly xUnit?: XUnit } | undefined): XUnit {
  return info?.xUnit ?? 'step';
}

/** `step 300`, or `epoch 2.5` for a run that counts in epochs. */
export function xAt(unit: XUnit, x: number): string {
  return `${unit} ${x}`;
}

/** `Step`/`Epoch`, for a column or a sentence's start. */
export function xUnitTitle(unit: XUnit): string {
  return unit === 'epoch' ? 'Epoch' : 'Step';
}

/**
 * Analysis words every warning about "step N" (its x as the store holds it); for a run that counts in epochs
 * that x is the epoch, so `step 3`, `steps 1–3` and `from step 1 to step 3` say `epoch` instead. Only a word
 * "step" or "steps" followed by a number is the run's x; `eval_steps` or "per step" are left alone.
 */
export function inXUnit(text: string, unit: XUnit): string {
  if (unit === 'step') return text;
  return text.replace(/\b([Ss])teps?(?= -?\d)/g, (word, s: string) => `${s === 'S' ? 'E' : 'e'}poch${word.endsWith('s') ? 's' : ''}`);
}

/** The run's warnings worded in its x unit (their evidence keeps its names: `bestStep` is the x either way). */
export function warningsInXUnit(warnings: readonly Warning[], unit: XUnit): readonly Warning[] {
  return unit === 'step' ? warnings : warnings.map((warning) => ({ ...warning, message: inXUnit(warning.message, unit) }));
}
