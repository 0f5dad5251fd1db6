// Whether a second thread can win now. Both helper threads (the event file's checksums, the second half of a
// large trainer_state.json) cost more than they save on a busy machine: beside another process using the
// second core, the 53 MB event file's report took 4-42 ms longer with its helper, and the 35 MB state's
// 409-512 ms against 355-409 without; with the core idle they save 3-29 and 10-30 ms.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

/** Looks at the running threads this many times: V8's compiler and collector threads run for a moment now and then. */
const RUNNING_LOOKS = 3;

/**
 * Whether another core is idle now: fewer threads running than `cores`, by Linux's count (/proc/loadavg, this
 * thread included); false where it cannot be told. Asynchronous: the editor's reads ask it too.
 */
export async function coreIdle(cores: number = availableParallelism()): Promise<boolean> {
  let running = Infinity;
  try {
    for (let look = 0; look < RUNNING_LOOKS; look++)
      running = Math.min(running, Number((await readFile('/proc/loadavg', 'latin1')).split(' ')[3]?.split('/')[0]));
  } catch {
    return false;
  }
  return running < cores;
}
