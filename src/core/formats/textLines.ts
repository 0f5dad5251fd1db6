/**
 * Complete lines out of a growing text file: bytes after the last newline wait in `pending` until their line
 * ends, so a line cut inside a UTF-8 character or a number is never read half-written.
 */
export interface LineChunk {
  readonly lines: string[];
  readonly pending: Uint8Array;
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder('utf-8');

export function completeLines(pending: Uint8Array, chunk: Uint8Array): LineChunk {
  let bytes = chunk;
  if (pending.length > 0) {
    bytes = new Uint8Array(pending.length + chunk.length);
    bytes.set(pending, 0);
    bytes.set(chunk, pending.length);
  }
  const lastNewline = bytes.lastIndexOf(NEWLINE);
  if (lastNewline < 0) return { lines: [], pending: bytes.slice() };
  return { lines: decoder.decode(bytes.subarray(0, lastNewline)).split('\n'), pending: bytes.slice(lastNewline + 1) };
}
