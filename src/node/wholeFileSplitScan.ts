import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WholeFileResult } from '../core/formats/logFormat';
import { trainerStateResult } from '../core/formats/trainerStateFormat';
import {
  entryStartAfter,
  scanTrainerState,
  scanTrainerStateBefore,
  type ScannedTrainerState,
  type SplitTrainerStateScan,
} from '../core/formats/trainerStateScan';
import { isTailPoints, type TailPoints } from '../core/formats/trainerStateTail';
import { MAX_READ_BYTES } from './fileRange';
import { coreIdle } from './idleCore';
import type { TailJob } from './wholeFileSplitWorker';

/**
 * A second thread costs about 20 ms of CPU to start and its own warm-up of the scan; it was measured to win at
 * 35 MB (the benchmark's state) when the other core is mostly free, and not measured below: smaller files stay
 * on one thread.
 */
export const SPLIT_MIN_BYTES = 32 * 1024 * 1024;

/** The worker's bundle, beside the extension's and the CLI's in dist/. */
const SPLIT_WORKER_SCRIPT = join(__dirname, 'wholeFileSplitWorker.js');

/** Where in the file the second thread's part begins (at the first entry from there). */
const SPLIT_AT = 0.5;

/** Whether a trainer_state.json of `size` bytes is read over two threads: a large one, with another core idle (`idle`, asked only then). */
export async function splitsTrainerState(size: number, idle: (cores: number) => Promise<boolean> = coreIdle): Promise<boolean> {
  const cores = availableParallelism();
  return size >= SPLIT_MIN_BYTES && cores >= 2 && (await idle(cores));
}

/** A worker thread asked for one tail; its answer is undefined when it failed in any way (then the host thread reads that part). */
interface TailWorker {
  post(job: TailJob): void;
  readonly result: Promise<TailPoints | undefined>;
  end(): void;
}

function startTailWorker(script: string): TailWorker {
  let worker: Worker | undefined;
  let settle: (tail: TailPoints | undefined) => void = () => undefined;
  const result = new Promise<TailPoints | undefined>((resolve) => (settle = resolve));
  try {
    worker = new Worker(script);
    // It never keeps the process alive: the CLI ends when its report is written.
    worker.unref();
    worker.once('message', (message: unknown) => settle(isTailPoints(message) && message.end >= 0 ? message : undefined));
    worker.once('error', () => settle(undefined));
    worker.once('exit', () => settle(undefined));
  } catch {
    settle(undefined);
  }
  return {
    result,
    post(job) {
      worker?.postMessage(job);
    },
    end() {
      settle(undefined);
      void worker?.terminate();
    },
  };
}

/** `size` bytes from the file's start into shared memory, in bounded pieces; fewer when the file is shorter now. */
async function readShared(handle: FileHandle, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(bytes, filled, Math.min(MAX_READ_BYTES, size - filled), filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return bytes.subarray(0, filled);
}

async function finishSplit(scan: SplitTrainerStateScan & { stopped: true }, tail: Promise<TailPoints | undefined>): Promise<ScannedTrainerState | undefined> {
  const points = await tail;
  if (points === undefined) return scan.resume(undefined);
  scan.columns.appendExported(points);
  return scan.resume(points.end);
}

/**
 * A large trainer_state.json read as TRAINER_STATE_FORMAT.parse reads it, over two threads: a worker, started
 * while the file is read into shared memory, scans the log_history from an entry near the middle on, while this
 * thread scans up to that entry. Only when this thread's scan meets that entry between two entries of the array
 * are the worker's points used (then they are the ones a scan of the whole would read there); else, or when the
 * worker fails, this thread reads on alone.
 */
export async function parseTrainerStateSplit(handle: FileHandle, size: number, workerScript = SPLIT_WORKER_SCRIPT): Promise<WholeFileResult> {
  const worker = startTailWorker(workerScript);
  try {
    const bytes = await readShared(handle, size);
    const split = entryStartAfter(bytes, Math.floor(bytes.length * SPLIT_AT));
    if (split < 0) return trainerStateResult(bytes, scanTrainerState(bytes));
    worker.post({ buffer: bytes.buffer as SharedArrayBuffer, length: bytes.length, start: split });
    const scan = scanTrainerStateBefore(bytes, split);
    return trainerStateResult(bytes, scan.stopped ? await finishSplit(scan, worker.result) : scan.result);
  } finally {
    worker.end();
  }
}
