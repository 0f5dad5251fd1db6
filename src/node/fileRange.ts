import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * The most one fs read asks for. Node aborts the whole process (`Assertion failed: args[3]->IsInt32()`) on a
 * single read of 2^31 bytes or more, so a larger range is read in pieces of this size.
 */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/** O_NONBLOCK where the platform has it: opening a FIFO that slipped past the check then fails fast instead of blocking a libuv thread. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a path is when it is not a regular file, in words a user knows. */
function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a directory';
  return 'not a file';
}

/** Raised for a path that is a FIFO, socket, device or directory: readers never open one (a FIFO blocks its reader forever). */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(info: Stats) {
    super(`it is ${kindOf(info)}, not a regular file; only regular files are read.`);
  }
}

/** The problem a reader reports for a path that is not a regular file. */
export function notRegularFileMessage(info: Stats): string {
  return `The file is skipped: ${new NotRegularFileError(info).message}`;
}

/**
 * Opens a regular file for reading, and nothing else: the path is checked before the open (a FIFO is never
 * opened) and the handle after it (the path may have been swapped in between). Returns the handle's stat too.
 * `checked`: a stat of the path the caller has just taken, which stands for the check before the open.
 */
export async function openChecked(path: string, checked?: Stats): Promise<{ handle: FileHandle; info: Stats }> {
  const before = checked ?? (await stat(path));
  if (!before.isFile()) throw new NotRegularFileError(before);
  const handle = await open(path, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotRegularFileError(info);
    return { handle, info };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A handle on a regular file (see openChecked), for readers that read many ranges of it. */
export async function openRegularFile(path: string): Promise<FileHandle> {
  return (await openChecked(path)).handle;
}

/**
 * Reads bytes [start, end) of a regular file; fewer when the file is shorter than `end` (nothing is allocated
 * past its end). `checked`: a stat of the path just taken, in place of the one before the open (see openChecked).
 */
export async function readRange(path: string, start: number, end: number, checked?: Stats): Promise<Uint8Array> {
  const { handle, info } = await openChecked(path, checked);
  try {
    return await readHandleRange(handle, start, Math.min(end, info.size));
  } finally {
    await handle.close();
  }
}

/**
 * `readRange` in blocking calls on this thread, for a process no editor waits on (the CLI's report): a small
 * file's read is then one call, not four round trips to libuv's threads (open, stat, read, close) while the
 * event loop idles. The same checks: a regular file before the open (`checked`, else a stat) and after it.
 */
export function readRangeBlocking(path: string, start: number, end: number, checked?: Stats): Uint8Array {
  const before = checked ?? statSync(path);
  if (!before.isFile()) throw new NotRegularFileError(before);
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new NotRegularFileError(info);
    const buffer = new Uint8Array(Math.max(0, Math.min(end, info.size) - start));
    let filled = 0;
    while (filled < buffer.length) {
      const bytesRead = readSync(fd, buffer, filled, Math.min(MAX_READ_BYTES, buffer.length - filled), start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Reads bytes [start, end) through a handle already open, for a loop over many ranges of one file. */
export async function readHandleRange(handle: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(Math.max(0, end - start));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, Math.min(MAX_READ_BYTES, buffer.length - filled), start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
