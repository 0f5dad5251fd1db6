import type { RunView } from '../src/protocol';

type Parameters = RunView['parameters'];

/**
 * Parameters every run of a Hugging Face Trainer sets to its own folder or name: they always differ and say
 * nothing a run's label does not, so they are columns only when the user asks for them.
 */
export const PER_RUN_PATHS: ReadonlySet<string> = new Set(['output_dir', 'logging_dir', 'run_name']);

/** At most this many columns are chosen by default; the picker offers every parameter. */
export const MAX_DEFAULT_PARAM_COLUMNS = 8;

/** Every parameter name any of the runs has, in name order. */
export function parameterNames(runs: readonly { readonly parameters: Parameters }[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.parameters)) names.add(name);
  return [...names].sort();
}

/** The parameters whose values differ between the runs (a run without the parameter differs from one with it). */
export function differingParameters(runs: readonly { readonly parameters: Parameters }[]): string[] {
  if (runs.length < 2) return [];
  return parameterNames(runs).filter((name) => {
    const first = runs[0]?.parameters[name];
    return runs.some((run) => run.parameters[name] !== first);
  });
}

/**
 * The parameter columns shown: those the user added, then those differing between the visible runs, less the
 * ones the user removed; default ones are capped so that a sweep of many parameters keeps the table readable.
 */
export function parameterColumns(runs: readonly { readonly parameters: Parameters }[], shown: readonly string[], hidden: readonly string[]): string[] {
  const names = new Set(parameterNames(runs));
  const removed = new Set(hidden);
  const added = shown.filter((name) => names.has(name) && !removed.has(name));
  const differing = differingParameters(runs)
    .filter((name) => !PER_RUN_PATHS.has(name) && !removed.has(name) && !added.includes(name))
    .slice(0, MAX_DEFAULT_PARAM_COLUMNS);
  return [...added, ...differing];
}

/** A parameter as a cell shows it. */
export function formatParameter(value: string | number | boolean | undefined): string {
  return value === undefined ? '–' : String(value);
}
