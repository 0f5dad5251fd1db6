import type { RunAliases } from './runAliases';
import { compactRunLabel } from './runLabel';

/** Why the status bar shows the run it shows: the hover card says so, so that a choice is never a mystery. */
export type StatusRunReason = 'chosen' | 'script' | 'recent';

/** The run the status bar holds, why, and whether it was live when last seen (so that its end is noticed). */
export interface StatusRunPick {
  readonly runId: string;
  readonly reason: StatusRunReason;
  readonly live: boolean;
  /**
   * A run the user chose that is gone for now: a rescan (or a changed format setting) reads every log again, and
   * runs come back one by one. The bar shows another run meanwhile and returns to this one when it is read again.
   */
  readonly awaiting?: string;
}

/** What the choice is made from; every run here logs an eval accuracy (a run without one has nothing to show). */
export interface StatusRunInputs {
  /** Run ids with an eval accuracy, the most recently written last. */
  readonly recent: readonly string[];
  /** The runs among them written within the live window. */
  readonly live: ReadonlySet<string>;
  /** The runs the active Python script writes (empty when no script is active or it writes no known run). */
  readonly scriptRuns: readonly string[];
  /** A run the user just focused (panel, tree, quick pick), for this one decision only. */
  readonly focused?: string;
}

/**
 * The run the status bar speaks for. The user's focus wins; else the run the active script writes; else the most
 * recently written run, live ones first. Once picked, a run is held: a run that merely wrote last does not take its
 * place (five live runs writing in turn would otherwise switch the bar every few seconds). The hold ends when the user
 * focuses another run, the run disappears, or it ends (was live, now idle). An idle run the user chose stays held;
 * an idle run nobody chose is picked anew (the most recent, a live one first). A run the user chose that disappears
 * (a rescan reads every log again) gives way meanwhile and takes the bar back when it is read again.
 */
export function pickStatusRun(previous: StatusRunPick | null, inputs: StatusRunInputs): StatusRunPick | null {
  const present = new Set(inputs.recent);
  const pick = (runId: string, reason: StatusRunReason): StatusRunPick => ({ runId, reason, live: inputs.live.has(runId) });
  if (inputs.focused !== undefined && present.has(inputs.focused)) return pick(inputs.focused, 'chosen');
  const awaited = previous?.reason === 'chosen' && !present.has(previous.runId) ? previous.runId : previous?.awaiting;
  if (awaited !== undefined && present.has(awaited)) return pick(awaited, 'chosen');
  const next = pickUnchosen(previous, inputs, present, pick);
  if (awaited === undefined) return next;
  // Nothing else to show while the chosen run is away (a rescan has just emptied the store): it stays the pick, shown as absent.
  return next === null ? { runId: awaited, reason: 'chosen', live: false } : { ...next, awaiting: awaited };
}

/** The pick when the user's focus does not settle it: the held run if it holds, else the script's, else the most recent. */
function pickUnchosen(
  previous: StatusRunPick | null,
  inputs: StatusRunInputs,
  present: ReadonlySet<string>,
  pick: (runId: string, reason: StatusRunReason) => StatusRunPick,
): StatusRunPick | null {
  const script = mostRecent(
    inputs.recent.filter((id) => inputs.scriptRuns.includes(id)),
    inputs.live,
  );
  if (previous !== null && present.has(previous.runId)) {
    const liveNow = inputs.live.has(previous.runId);
    const ended = previous.live && !liveNow;
    // An idle run nobody chose is picked anew each time: nothing writes it, so the pick is as stable, and the order in
    // which a first scan reads finished runs does not decide which one is shown.
    const holds = !ended && (liveNow || previous.reason === 'chosen');
    // A script the user turned to that writes other runs is a choice of its own, but it does not override an explicit one.
    const scriptDisagrees = script !== undefined && previous.reason !== 'chosen' && !inputs.scriptRuns.includes(previous.runId);
    if (holds && !scriptDisagrees) return { runId: previous.runId, reason: previous.reason, live: liveNow };
  }
  if (script !== undefined) return pick(script, 'script');
  const recent = mostRecent(inputs.recent, inputs.live);
  return recent === undefined ? null : pick(recent, 'recent');
}

/** The most recently written of the ids (ordered oldest first), a live one before any idle one. */
function mostRecent(ids: readonly string[], live: ReadonlySet<string>): string | undefined {
  const lives = ids.filter((id) => live.has(id));
  return (lives.length > 0 ? lives : ids).at(-1);
}

/** At most this many characters of a run's name in the status bar. */
const STATUS_NAME_LENGTH = 32;

/** By code points, so that a cut never splits an emoji's surrogate pair. */
function truncate(text: string): string {
  const chars = [...text];
  return chars.length <= STATUS_NAME_LENGTH ? text : `${chars.slice(0, STATUS_NAME_LENGTH - 1).join('')}…`;
}

/**
 * The run's name in the status bar: the user's alias as typed (cut to 32 characters, never taken apart: it may hold
 * slashes or brackets of its own), else the short form of its label with MLflow's long ids shortened.
 */
export function statusRunName(run: { readonly id: string; readonly label: string }, aliases: RunAliases = {}): string {
  const alias = aliases[run.id];
  return alias === undefined ? shortRunLabel(compactRunLabel(run.label)) : truncate(alias);
}

/** A run's name short enough for the status bar: the name its logs gave it, else its last folder, at most 32 characters. */
export function shortRunLabel(label: string): string {
  const named = /^(.+?) \(.+\)$/.exec(label)?.[1];
  const short =
    named ??
    label
      .split(/[\\/]+/)
      .filter((part) => part !== '')
      .at(-1) ??
    label;
  return truncate(short);
}

/** The hover card's sentence on why this run is shown. */
export function statusRunReasonText(reason: StatusRunReason): string {
  switch (reason) {
    case 'chosen':
      return 'Shown because you chose it; it stays until you choose another run.';
    case 'script':
      return 'Shown because the active Python script writes it; it stays until you choose another run or it stops writing.';
    case 'recent':
      return 'Shown because it was the most recently written run; it stays until you choose another run or it stops writing.';
  }
}
