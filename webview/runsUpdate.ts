import type { RunView } from '../src/protocol';

/**
 * The runs after a live update: changed runs replace theirs, new ones join, removed ones go (a run sent as
 * changed stays, as the host knows it now); in id order, so rows and cards keep their places while runs write.
 */
export function applyRunsUpdate(runs: readonly RunView[], changed: readonly RunView[], removedRunIds: readonly string[]): RunView[] {
  const byId = new Map(runs.map((run) => [run.id, run]));
  for (const id of removedRunIds) byId.delete(id);
  for (const run of changed) byId.set(run.id, run);
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}
