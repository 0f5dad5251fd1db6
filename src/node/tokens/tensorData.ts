import { openRegularFile, readRange } from '../fileRange';
import { DTYPE_BYTES } from '../../core/tokens/tensorInfo';
import { inflatedChunks } from './inflateStream';
import type { LocatedTensor } from './tensorFiles';

/**
 * A tensor's bytes whole: for labels, predictions and per-token log-probs, which are small (their size was
 * checked against the file and a cap when the header was read). Fewer bytes than declared is an error, not
 * a shorter array.
 */
export async function readTensorBytes(tensor: LocatedTensor): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (tensor.deflated === undefined) bytes = await readRange(tensor.path, tensor.offset, tensor.offset + tensor.byteLength);
  else {
    bytes = new Uint8Array(tensor.byteLength);
    let filled = 0;
    for await (const piece of skipThenTake(inflatedChunks(tensor.path, tensor.deflated.start, tensor.deflated.size), tensor.offset, tensor.byteLength)) {
      bytes.set(piece, filled);
      filled += piece.length;
    }
    bytes = bytes.subarray(0, filled);
  }
  if (bytes.length < tensor.byteLength) throw new Error(`${tensor.name} ends after ${bytes.length} of the ${tensor.byteLength} bytes its header declares.`);
  return bytes;
}

async function* skipThenTake(chunks: AsyncIterable<Buffer>, skip: number, take: number): AsyncGenerator<Uint8Array> {
  let position = 0;
  let taken = 0;
  for await (const chunk of chunks) {
    const from = Math.max(0, skip - position);
    position += chunk.length;
    if (from >= chunk.length) continue;
    const piece = chunk.subarray(from, Math.min(chunk.length, from + take - taken));
    taken += piece.length;
    yield piece;
    if (taken >= take) return;
  }
}

/**
 * A tensor in chunks of whole rows (`rowElements` each), about `chunkBytes` at a time, with the row each
 * starts at; only rows [first, end) of `rows` when given (of a stored file: a compressed one still yields
 * every row). A chunk's bytes are valid until the next chunk is asked for: a stored file's chunks are read
 * into two buffers in turn.
 */
export async function* tensorRowChunks(
  tensor: LocatedTensor,
  rowElements: number,
  chunkBytes: number,
  rows?: { readonly first: number; readonly end: number },
): AsyncGenerator<{ bytes: Uint8Array; firstRow: number }> {
  const rowBytes = rowElements * DTYPE_BYTES[tensor.dtype];
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytes));
  const wholeRows = Math.floor(tensor.byteLength / rowBytes);
  // A stored file is read from the first row wanted to the end of the last; a compressed one is inflated whole.
  const fromRow = tensor.deflated === undefined ? Math.min(wholeRows, Math.max(0, rows?.first ?? 0)) : 0;
  const totalRows = tensor.deflated === undefined ? Math.min(wholeRows, Math.max(fromRow, rows?.end ?? wholeRows)) : wholeRows;
  if (tensor.deflated === undefined) {
    const spans: RowSpan[] = [];
    for (let row = fromRow; row < totalRows; row += rowsPerChunk) spans.push({ first: row, end: Math.min(totalRows, row + rowsPerChunk) });
    yield* storedRowSpans(tensor, rowBytes, spans);
    return;
  }
  let pending = new Uint8Array(rowsPerChunk * rowBytes);
  let filled = 0;
  let row = 0;
  for await (const piece of skipThenTake(inflatedChunks(tensor.path, tensor.deflated.start, tensor.deflated.size), tensor.offset, tensor.byteLength)) {
    let at = 0;
    while (at < piece.length) {
      const copy = Math.min(piece.length - at, pending.length - filled);
      pending.set(piece.subarray(at, at + copy), filled);
      filled += copy;
      at += copy;
      if (filled === pending.length) {
        yield { bytes: pending, firstRow: row };
        row += rowsPerChunk;
        pending = new Uint8Array(rowsPerChunk * rowBytes);
        filled = 0;
      }
    }
  }
  if (filled >= rowBytes) yield { bytes: pending.subarray(0, filled - (filled % rowBytes)), firstRow: row };
  // A member that inflates to less than its header declares is cut short, not a smaller evaluation.
  if (row * rowBytes + filled < totalRows * rowBytes)
    throw new Error(`${tensor.name} ends after ${row * rowBytes + filled} of the ${tensor.byteLength} bytes its header declares.`);
}

interface RowSpan {
  readonly first: number;
  readonly end: number;
}

/**
 * Only rows `wanted` (ascending) of a stored tensor, as chunks of consecutive rows: wanted rows at most `gap`
 * rows apart share a chunk (the rows between come with them), at most about `chunkBytes` a chunk. For the
 * temperature fit's passes, which read again a few scattered rows: reading and widening the whole chunks
 * around them cost as much as the rows' own work. Rows outside the tensor are left out.
 */
export async function* tensorRowsWanted(
  tensor: LocatedTensor,
  rowElements: number,
  chunkBytes: number,
  wanted: readonly number[],
  gap: number,
): AsyncGenerator<{ bytes: Uint8Array; firstRow: number }> {
  if (tensor.deflated !== undefined) throw new Error('Rows are read one by one only from a stored (uncompressed) tensor.');
  const rowBytes = rowElements * DTYPE_BYTES[tensor.dtype];
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytes));
  const wholeRows = Math.floor(tensor.byteLength / rowBytes);
  const spans: RowSpan[] = [];
  for (const row of wanted) {
    if (!(row >= 0 && row < wholeRows)) continue;
    const last = spans.at(-1);
    if (last !== undefined && row >= last.end && row - last.end <= gap && row + 1 - last.first <= rowsPerChunk)
      spans[spans.length - 1] = { first: last.first, end: row + 1 };
    else if (last === undefined || row >= last.end) spans.push({ first: row, end: row + 1 });
  }
  yield* storedRowSpans(tensor, rowBytes, spans);
}

/**
 * Rows [first, end) of a stored tensor for each span in turn, the next read while one is used: into two
 * buffers in turn, each valid until the next span is asked for (a fresh buffer a chunk cost 8 MB of zeroed,
 * newly mapped memory each time: 4% of the scoring's CPU time in a profile, its garbage collection aside).
 */
async function* storedRowSpans(tensor: LocatedTensor, rowBytes: number, spans: readonly RowSpan[]): AsyncGenerator<{ bytes: Uint8Array; firstRow: number }> {
  if (spans.length === 0) return;
  let largest = 0;
  for (const { first, end } of spans) largest = Math.max(largest, end - first);
  const buffers = [new Uint8Array(largest * rowBytes), new Uint8Array(spans.length > 1 ? largest * rowBytes : 0)];
  const handle = await openRegularFile(tensor.path);
  const readRows = async ({ first, end }: RowSpan, into: Uint8Array): Promise<{ bytes: Uint8Array; firstRow: number }> => {
    const buffer = into.subarray(0, (end - first) * rowBytes);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, tensor.offset + first * rowBytes + filled);
      if (bytesRead === 0) throw new Error('The file ended before its tensor did.');
      filled += bytesRead;
    }
    return { bytes: buffer, firstRow: first };
  };
  // The next chunk is read (on libuv's threads) while this one is scored: two chunks in memory, not one.
  // Its failure is marked handled at once (it is rethrown when awaited), so it cannot end the process first.
  const prefetch = (span: RowSpan, into: Uint8Array): Promise<{ bytes: Uint8Array; firstRow: number }> => {
    const read = readRows(span, into);
    read.catch(() => undefined);
    return read;
  };
  let next: Promise<{ bytes: Uint8Array; firstRow: number }> | undefined = prefetch(spans[0] as RowSpan, buffers[0] as Uint8Array);
  try {
    for (let i = 1; next !== undefined; i++) {
      const current: { bytes: Uint8Array; firstRow: number } = await next;
      const span = spans[i];
      // The buffer of the span before `current`: its consumer has asked for the next span, so is done with it.
      next = span === undefined ? undefined : prefetch(span, buffers[i % 2] as Uint8Array);
      yield current;
    }
  } finally {
    // A consumer that stops early leaves a read in flight: let it land before the handle closes.
    await next?.then(
      () => undefined,
      () => undefined,
    );
    await handle.close();
  }
}
