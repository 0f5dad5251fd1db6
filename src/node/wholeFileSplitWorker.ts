// The thread that reads the second half of a large trainer_state.json's log_history while the host thread
// reads the first (wholeFileSplitScan.ts): one job, over the file's bytes in shared memory, then it is ended.
import { parentPort } from 'node:worker_threads';
import { scanLogHistoryTail } from '../core/formats/trainerStateScan';
import { PointColumns } from '../core/pointColumns';
import type { TailPoints } from '../core/formats/trainerStateTail';

/** What the host thread sends: the file's bytes (shared, not copied), how many of them are the file, and the entry to start at. */
export interface TailJob {
  readonly buffer: SharedArrayBuffer;
  readonly length: number;
  readonly start: number;
}

/** Bytes of Trainer's indented layout per point, the guess that sizes the arrays (see trainerStateScan.ts). */
const BYTES_PER_POINT = 56;

const port = parentPort;
port?.once('message', (job: TailJob) => {
  const bytes = new Uint8Array(job.buffer, 0, job.length);
  const guess = (job.length - job.start) / BYTES_PER_POINT;
  const columns = new PointColumns(guess, guess);
  const end = scanLogHistoryTail(bytes, job.start, columns);
  const tail: TailPoints = { ...columns.exported(), end };
  // The arrays' own buffers (never shared: the columns made them) move to the host thread without a copy.
  const arrays = [tail.keyIds, tail.steps, tail.values, tail.fields, tail.epochs, tail.wallTimes].filter((array) => array !== undefined);
  port.postMessage(
    tail,
    arrays.map((array) => array.buffer as ArrayBuffer),
  );
});
