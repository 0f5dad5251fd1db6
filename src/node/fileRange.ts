import { open, type FileHandle } from 'node:fs/promises';

/** Reads bytes [start, end) of a file; fewer when the file is shorter than `end`. */
export async function readRange(path: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return await readHandleRange(handle, start, end);
  } finally {
    await handle.close();
  }
}

/** Reads bytes [start, end) through a handle already open, for a loop over many ranges of one file. */
export async function readHandleRange(handle: FileHandle, start: number, end: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(Math.max(0, end - start));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
