import type { RunAliases } from './runAliases';

/**
 * MLflow names a run's folder by its 32-hex-digit id (`mlruns/<experiment>/<run id>`), and recent versions name
 * experiments by numbers of 18 or 19 digits: in a label they crowd out the name. Such ids are cut to their first
 * 8 characters and an ellipsis, as short Git hashes are: two runs of one experiment would have to share 8 random
 * hex digits (about 1 in 4 billion per pair) to look alike, and every view keeps the full path in a tooltip.
 */
const LONG_ID = /(^|[\\/( ])([0-9a-f]{32}|[0-9]{16,})(?=$|[\\/) ])/gi;
const KEPT = 8;

/** The label with MLflow's long ids shortened; any other label is returned as it is. */
export function compactRunLabel(label: string): string {
  return label.replace(LONG_ID, (_match, before: string, id: string) => `${before}${id.slice(0, KEPT)}…`);
}

/**
 * The name every view shows for a run: the user's alias as they typed it, else its label with long ids shortened.
 * One helper, so that the panel, the status bar, its hover and quick pick and the runs tree say the same name.
 */
export function displayLabel(run: { readonly id: string; readonly label: string }, aliases: RunAliases = {}): string {
  return aliases[run.id] ?? compactRunLabel(run.label);
}

/** The runs with their display name as label (the run's own label is still its id's tooltip in every view). */
export function withDisplayLabels<R extends { readonly id: string; readonly label: string }>(runs: readonly R[], aliases: RunAliases = {}): R[] {
  return runs.map((run) => {
    const label = displayLabel(run, aliases);
    return label === run.label ? run : { ...run, label };
  });
}

/**
 * A run's label from the name its logs gave it and where it is (its folder, or a notebook's `ft.ipynb#cell-3`,
 * as the view shows paths): the name, with the place beside it where the place says more than the name
 * (`ft.ipynb · cell 3 (notebooks/ft.ipynb#cell-3)`); the place alone when there is no name or it ends with it.
 * The session's labels and the text report name runs by this one rule.
 */
export function namedRunLabel(name: string | undefined, place: string): string {
  return name === undefined || name === '' || place.endsWith(name) ? place : `${name} (${place})`;
}
