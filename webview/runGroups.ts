import { SPREAD_NAME } from './groupBand';
import { differingParameters, formatParameter, parameterNames, PER_RUN_PATHS } from './paramColumns';

type Parameters = Readonly<Record<string, string | number | boolean>>;

interface GroupedRun {
  readonly id: string;
  readonly label: string;
  readonly parameters: Parameters;
}

/** The charts' legend for the bands, shown above them while any group is drawn. */
export const BAND_LEGEND =
  `Shaded bands: the ${SPREAD_NAME} of a group's runs, around their mean. Runs are aligned on the union of their steps, each interpolated ` +
  'only between its own first and last point (never extrapolated); at each step the mean and band use only the runs with a value there (the crosshair says how many).';

/** Runs drawn as one mean line with a band: those equal in every parameter but the one the user groups over. */
export interface RunGroup {
  /** Stable while the group's shared values are: `group:` and those values. */
  readonly id: string;
  /** The shared values that tell this group from the others ("learning_rate=0.0001"), or "all runs". */
  readonly label: string;
  readonly runIds: readonly string[];
}

/** The groups found, and what the page says about them (which parameters split runs that could have been one group). */
export interface Grouping {
  /** Groups of two runs or more; a run alone in its group is drawn as itself. */
  readonly groups: readonly RunGroup[];
  readonly note: string;
}

/**
 * Groups runs that differ only in `over` (seeds: one group per setting, its runs averaged). Every other parameter
 * any run has must be equal (a run without it differs from one with it), except the per-run paths that every
 * Trainer run sets to its own folder (output_dir, logging_dir, run_name), which would otherwise keep every run apart.
 */
export function groupRuns(runs: readonly GroupedRun[], over: string): Grouping {
  const others = parameterNames(runs).filter((name) => name !== over && !PER_RUN_PATHS.has(name));
  const telling = differingParameters(runs).filter((name) => others.includes(name));
  const byKey = new Map<string, GroupedRun[]>();
  // A run that does not log the parameter cannot be said to differ only in it (runs with no parameters at all would
  // otherwise make one group): it is drawn alone.
  const without = runs.filter((run) => run.parameters[over] === undefined).length;
  for (const run of runs) {
    if (run.parameters[over] === undefined) continue;
    const key = JSON.stringify(others.map((name) => run.parameters[name] ?? null));
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  const groups: RunGroup[] = [];
  for (const [key, members] of byKey) {
    if (members.length < 2) continue;
    const first = members[0] as GroupedRun;
    const shared = telling.map((name) => `${name}=${formatParameter(first.parameters[name])}`).join(', ');
    groups.push({ id: `group:${key}`, label: shared === '' ? 'all runs' : shared, runIds: members.map((run) => run.id) });
  }
  const grouped = groups.reduce((sum, group) => sum + group.runIds.length, 0);
  const alone = runs.length - grouped - without;
  const missing = without === 0 ? '' : `; ${without} run${without === 1 ? '' : 's'} logging no ${over} drawn alone`;
  const note =
    without === runs.length
      ? `No run logs ${over}: every run is drawn alone.`
      : groups.length === 0
        ? `No two runs differ only in ${over}${telling.length === 0 ? '' : ` (they also differ in ${telling.slice(0, 5).join(', ')}${telling.length > 5 ? '…' : ''})`}${missing}: every run is drawn alone.`
        : `Grouped over ${over}: ${groups.length} group${groups.length === 1 ? '' : 's'} of ${grouped} runs drawn as their mean with a shaded ${SPREAD_NAME} band` +
          `${alone > 0 ? `; ${alone} run${alone === 1 ? '' : 's'} with no partner drawn alone` : ''}${missing}. ` +
          'A run inside a mean is drawn on its own too, with its markers, while it is focused, pointed at or pinned.';
  return { groups, note };
}
