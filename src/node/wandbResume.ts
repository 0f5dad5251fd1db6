import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nextWandbStep, wandbHistoryFrom, type WandbCursor } from '../core/formats/wandbHistoryFormat';
import { readHandleRange } from './fileRange';

const CHUNK_BYTES = 1 << 20;

/** One past the last row of a folder's `.wandb`, its rows going on from `startingStep`; read in bounded chunks. */
async function stepAfterFolder(folder: string, startingStep: number): Promise<number> {
  let history: string | undefined;
  try {
    history = (await readdir(folder)).find((name) => name.endsWith('.wandb'));
  } catch {
    return startingStep;
  }
  if (history === undefined) return startingStep;
  const format = wandbHistoryFrom(startingStep);
  let cursor: WandbCursor = format.initialCursor;
  try {
    const handle = await open(join(folder, history), 'r');
    try {
      for (let offset = 0; ; offset += CHUNK_BYTES) {
        const chunk = await readHandleRange(handle, offset, offset + CHUNK_BYTES);
        if (chunk.length === 0) break;
        cursor = format.readChunk(cursor, chunk, history).cursor;
      }
    } finally {
      await handle.close();
    }
  } catch {
    // A folder that cannot be read leaves the step where it was: its rows are not known.
  }
  return nextWandbStep(cursor);
}

/**
 * Where the rows of a resumed run's later folder go on: one past the last row of the folders before it, each
 * read on from the one before, as W&B's server numbers a resumed run's rows when it is synced (an offline
 * resume starts its own count at 0 again).
 */
export async function resumedStartingStep(earlierFolders: readonly string[]): Promise<number> {
  let step = 0;
  for (const folder of earlierFolders) step = await stepAfterFolder(folder, step);
  return step;
}
