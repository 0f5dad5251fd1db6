import type { FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { CHECKED, finalState, STATE, STOP, WORDS } from './tfrecordChecksShared';

/**
 * A large event file read on two cores: this thread reads the file into shared memory and decodes it, while a
 * helper thread (tfrecordCheckWorker.ts) checks the records' checksums in the same bytes as they arrive and
 * says how far every record passed. A chunk whose records all lie before that point is decoded without the
 * checks (a third of the reader's time on one thread); any other chunk is decoded with them, as it would be
 * without the helper. So this thread never waits for the helper, a damaged record is met by the usual
 * checks (the helper stops before it), and a helper that is slow (a busy machine: it runs at the lowest
 * priority) or never starts only leaves more chunks checked here.
 */

/** Where the CLI's report finds the helper, the least file size it is worth starting for, and whether a core is free for it now. */
export interface ChecksAside {
  readonly script: string;
  readonly minBytes: number;
  readonly coreFree?: () => Promise<boolean>;
}

/**
 * Below this the helper never catches up: in the CLI it vouched for its first chunk 52-78 ms after it was
 * started, when the reading thread had decoded 13-20 MB of the 53 MB file with the checks itself.
 */
export const MIN_ASIDE_BYTES = 24 * 1024 * 1024;
/**
 * The whole file is held in memory while it is read (the reader's own path holds a 256 KiB chunk; the 53 MB
 * file's report peaked at 200 MB instead of 140): above this, that path is taken instead, so the extra memory
 * stays bounded whatever the file's size.
 */
const MAX_ASIDE_BYTES = 128 * 1024 * 1024;
/** One read call's bytes. */
const READ_BYTES = 2 * 1024 * 1024;
/** Reads in flight ahead of the piece being decoded: the helper checks those pieces meanwhile. */
const READS_AHEAD = 2;

/** Whether a first read of `size` bytes goes through readWithChecksAside. */
export async function checksAsideFits(size: number, aside: ChecksAside): Promise<boolean> {
  return size >= aside.minBytes && size <= MAX_ASIDE_BYTES && ((await aside.coreFree?.()) ?? true);
}

/** The helper, or undefined when it cannot start here; one that fails later simply vouches for nothing more. */
function startHelper(script: string, bytes: SharedArrayBuffer, words: SharedArrayBuffer): Worker | undefined {
  try {
    const worker = new Worker(script, { workerData: { bytes, words } });
    worker.on('error', () => undefined);
    // Asked to stop once its work is moot, it must not keep the process alive meanwhile.
    worker.unref();
    return worker;
  } catch {
    return undefined;
  }
}

async function readInto(handle: FileHandle, bytes: Uint8Array, start: number, end: number): Promise<number> {
  return (await handle.read(bytes, start, end - start, start)).bytesRead;
}

/**
 * Reads bytes [0, size) of `handle` (fewer when the file shrank meanwhile), handing `take` chunks of at most
 * `chunkBytes` in file order, each with `vouched` true when the helper has passed every record that ends
 * within it, so that it may be decoded without checking the records' data. Returns where the records the
 * helper vouched for end, when the last chunk was taken.
 */
export async function readWithChecksAside(
  handle: FileHandle,
  size: number,
  script: string,
  chunkBytes: number,
  take: (chunk: Uint8Array, vouched: boolean) => void,
): Promise<number> {
  const shared = new SharedArrayBuffer(size);
  const bytes = new Uint8Array(shared);
  const words = new Int32Array(new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT));
  startHelper(script, shared, words.buffer as SharedArrayBuffer);
  const pieceCount = Math.ceil(size / READ_BYTES);
  const pieces: Promise<number>[] = [];
  // Bytes read from the start with no gap: the helper is told each time that grows (reads may land out of order).
  let filled = 0;
  const landed: number[] = [];
  const arrived = (piece: number, read: number): number => {
    landed[piece] = read;
    let next = landed[filled / READ_BYTES];
    while (next !== undefined && filled % READ_BYTES === 0 && filled < size) {
      filled += next;
      next = landed[filled / READ_BYTES];
    }
    Atomics.store(words, STATE, filled);
    Atomics.notify(words, STATE);
    return read;
  };
  // Reads run up to READS_AHEAD pieces ahead of the decoding, each published as soon as the bytes before it are there too.
  const issue = (upTo: number): void => {
    for (let piece = pieces.length; piece < Math.min(pieceCount, upTo); piece++) {
      const read = readInto(handle, bytes, piece * READ_BYTES, Math.min(size, (piece + 1) * READ_BYTES)).then((bytesRead) => arrived(piece, bytesRead));
      // Marked handled at once: a read ahead that fails before its turn is awaited (and reported) then, not an
      // unhandled rejection that ends the process meanwhile.
      read.catch(() => undefined);
      pieces.push(read);
    }
  };
  issue(READS_AHEAD + 1);
  let taken = 0;
  try {
    for (let piece = 0; piece < pieces.length; piece++) {
      const read = await (pieces[piece] as Promise<number>);
      issue(piece + READS_AHEAD + 1);
      const end = taken + read;
      for (let start = taken; start < end; start += chunkBytes) {
        const chunkEnd = Math.min(end, start + chunkBytes);
        take(bytes.subarray(start, chunkEnd), Atomics.load(words, CHECKED) >= chunkEnd);
      }
      taken = end;
      // A short read is the file's end: it shrank since it was measured.
      if (read < READ_BYTES) break;
      // Reads that landed meanwhile are published before the next piece is decoded, so the helper keeps ahead.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // The helper is told the read ended (also when a read failed) and to stop; reads in flight finish before the handle closes.
    Atomics.store(words, STATE, finalState(filled));
    Atomics.store(words, STOP, 1);
    Atomics.notify(words, STATE);
    await Promise.allSettled(pieces);
  }
  return Atomics.load(words, CHECKED);
}
