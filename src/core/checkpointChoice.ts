import type { RunView } from './runView';

/** Which run a checkpoint command acts on: one given or settled, a choice to ask the user, or none to act on. */
export type CheckpointChoice =
  | { readonly kind: 'run'; readonly run: RunView; readonly step: number }
  | { readonly kind: 'ask'; readonly runs: readonly RunView[] }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * The run a "best-by-accuracy checkpoint" command acts on: the run it was called on (a tree item), else the
 * active run when it has a checkpoint to keep, else the only run that has one; with several, the user is asked
 * (the active run first). A run none of whose checkpoint folders was evaluated has nothing to reveal.
 */
export function checkpointChoice(views: readonly RunView[], targetId: string | undefined, activeId: string | undefined): CheckpointChoice {
  const withCheckpoint = views.filter((view) => view.checkpointToKeep !== null);
  const settled = (run: RunView | undefined): CheckpointChoice | undefined =>
    run?.checkpointToKeep === null || run === undefined ? undefined : { kind: 'run', run, step: run.checkpointToKeep };
  if (targetId !== undefined) {
    const target = views.find((view) => view.id === targetId);
    return settled(target) ?? { kind: 'none', reason: `${target?.label ?? targetId} has no evaluated checkpoint-N folder on disk.` };
  }
  const chosen = settled(views.find((view) => view.id === activeId)) ?? (withCheckpoint.length === 1 ? settled(withCheckpoint[0]) : undefined);
  if (chosen !== undefined) return chosen;
  if (withCheckpoint.length === 0) return { kind: 'none', reason: 'No run has an evaluated checkpoint-N folder on disk.' };
  return { kind: 'ask', runs: withCheckpoint };
}

/** What the command says about the checkpoint it acts on: whether it is the best by accuracy or the best one left. */
export function checkpointDescription(run: RunView, step: number): string {
  const best = run.best.byAccuracy;
  if (best === null || best.step === step) return `checkpoint-${step}, the best by eval accuracy`;
  return `checkpoint-${step}, the best by eval accuracy left on disk (checkpoint-${best.step}, the best of all, has no folder)`;
}
