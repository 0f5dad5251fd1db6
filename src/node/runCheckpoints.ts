import { isAbsolute } from 'node:path';
import { CHECKPOINT_FOLDER, checkpointSteps } from '../core/checkpoints';
import type { RunInfo } from '../core/formats/logFormat';
import type { FolderListings } from './folderListings';

/**
 * The run info that says which `checkpoint-N` folders the run's folder holds now, or undefined when nothing
 * is to be said or changed. Read from the shared listings (one readdir per folder, kept up to date by the
 * watcher), so asking after every read costs a set copy, not a listing. A run that is no folder (a part of
 * an MLflow database, `<id>#<suffix>`) has none; a folder that never held one gets no field at all, so runs
 * of other trainers carry nothing new.
 */
export async function checkpointInfo(runId: string, known: RunInfo | undefined, listings: FolderListings): Promise<RunInfo | undefined> {
  if (runId.includes('#') || !isAbsolute(runId)) return undefined;
  const steps = checkpointSteps(await listings.matching(runId, CHECKPOINT_FOLDER));
  if (steps.length === 0 && known?.checkpoints === undefined) return undefined;
  return { checkpoints: steps };
}
