/**
 * Complete lines out of a growing text file: bytes after the last line end wait in a pending line until their
 * line ends, so a line cut inside a UTF-8 character or a number is never read half-written.
 *
 * The cost is linear in the bytes read, whatever the lines are like: a line that never ends (tqdm's progress
 * redrawn with `\r` into a redirected log) grows its pending bytes in place, with the capacity doubled when it
 * runs out, instead of being copied whole for every chunk; and a line longer than `MAX_LINE_BYTES` is skipped
 * (its bytes dropped as they arrive), with reading going on after its end.
 */

/** The longest line kept. No metric line comes near it; a longer one is a progress bar or binary data. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const decoder = new TextDecoder('utf-8');

/** The growable buffer behind a pending line: `used` is how far the newest cursor filled it. */
interface LineStore {
  bytes: Uint8Array;
  used: number;
}

/**
 * The bytes of a line not ended yet. Appending to the newest cursor writes into the same store; appending to an
 * older cursor again (a reader that went back) copies first, so a cursor never sees bytes it was not given.
 */
export interface PendingLine {
  readonly store: LineStore | undefined;
  readonly length: number;
  /** The line passed the cap: its bytes are dropped until it ends. */
  readonly overlong: boolean;
}

export const NO_PENDING_LINE: PendingLine = { store: undefined, length: 0, overlong: false };

export interface LineOptions {
  /** `\r` ends a line as `\n` does (console logs, where tqdm redraws its bar with `\r`). */
  readonly carriageReturnEnds?: boolean;
  readonly maxLineBytes?: number;
}

export interface LineText {
  /**
   * The complete lines, joined by their line ends as written (undefined when none ended). A line over the cap
   * stands there as an empty line, which every reader skips.
   */
  readonly text: string | undefined;
  /**
   * Lines skipped for their length, by their index (0-based) among this chunk's complete lines; the index one
   * past the last complete line is the pending line, which passed the cap in this chunk and has not ended yet.
   */
  readonly overlong: readonly number[];
  readonly pending: PendingLine;
}

export interface LineChunk {
  readonly lines: string[];
  readonly overlong: readonly number[];
  readonly pending: PendingLine;
}

function lastLineEnd(bytes: Uint8Array, carriageReturn: boolean): number {
  const newline = bytes.lastIndexOf(NEWLINE);
  return carriageReturn ? Math.max(newline, bytes.lastIndexOf(CARRIAGE_RETURN)) : newline;
}

function nextLineEnd(bytes: Uint8Array, from: number, carriageReturn: boolean): number {
  const newline = bytes.indexOf(NEWLINE, from);
  if (!carriageReturn) return newline;
  const carriage = bytes.indexOf(CARRIAGE_RETURN, from);
  return newline < 0 ? carriage : carriage < 0 ? newline : Math.min(newline, carriage);
}

/**
 * Each line end in `bytes[start..last]`, in order. The next `\n` and the next `\r` are looked for apart and
 * each only again once passed: a stretch of thousands of `\r` and no `\n` is scanned once, not once per `\r`.
 */
function forEachLineEnd(bytes: Uint8Array, start: number, last: number, carriageReturn: boolean, visit: (end: number) => void): void {
  let newline = bytes.indexOf(NEWLINE, start);
  let carriage = carriageReturn ? bytes.indexOf(CARRIAGE_RETURN, start) : -1;
  for (;;) {
    const end = newline < 0 ? carriage : carriage < 0 ? newline : Math.min(newline, carriage);
    if (end < 0 || end > last) return;
    visit(end);
    if (end === newline) newline = bytes.indexOf(NEWLINE, end + 1);
    else carriage = bytes.indexOf(CARRIAGE_RETURN, end + 1);
  }
}

/** The pending line with `bytes` added: in place when the store is this cursor's and has room, else into a store twice as large. */
export function appendPending(pending: PendingLine, bytes: Uint8Array, maxLineBytes = MAX_LINE_BYTES): PendingLine {
  if (bytes.length === 0 || pending.overlong) return pending;
  const length = pending.length + bytes.length;
  if (length > maxLineBytes) return { store: undefined, length: 0, overlong: true };
  const store = pending.store;
  if (store !== undefined && store.used === pending.length && store.bytes.length >= length) {
    store.bytes.set(bytes, pending.length);
    store.used = length;
    return { store, length, overlong: false };
  }
  // The first bytes get a store of their size (most pending lines are a short tail); growth doubles it.
  const capacity = store === undefined ? length : Math.min(maxLineBytes, Math.max(length, 2 * store.bytes.length));
  const grown = new Uint8Array(capacity);
  if (store !== undefined) grown.set(store.bytes.subarray(0, pending.length));
  grown.set(bytes, pending.length);
  return { store: { bytes: grown, used: length }, length, overlong: false };
}

/** The pending line's bytes (a view, valid until the next append). */
export function pendingBytes(pending: PendingLine): Uint8Array {
  return pending.store === undefined ? new Uint8Array(0) : pending.store.bytes.subarray(0, pending.length);
}

/**
 * The lines `chunk` completes, as one string. Each byte is copied a bounded number of times: into the pending
 * store (amortised), and once more into the first line when a pending line ends.
 */
export function completeText(pending: PendingLine, chunk: Uint8Array, options: LineOptions = {}): LineText {
  const { ended, overlong, pending: next } = completeEndedText(pending, chunk, options);
  // The last line end is dropped: lines are the pieces between ends, as `split` gives them.
  return { text: ended?.slice(0, -1), overlong, pending: next };
}

/**
 * `completeText` with the last complete line's end kept (`ended` is `text` and that one character): a reader
 * that walks the lines in place reads it without the copy or the sliced string that dropping it costs.
 */
export function completeEndedText(
  pending: PendingLine,
  chunk: Uint8Array,
  options: LineOptions = {},
): Omit<LineText, 'text'> & { readonly ended: string | undefined } {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  const carriageReturn = options.carriageReturnEnds === true;
  const last = lastLineEnd(chunk, carriageReturn);
  if (last < 0) {
    const next = appendPending(pending, chunk, max);
    return { ended: undefined, overlong: next.overlong && !pending.overlong ? [0] : [], pending: next };
  }
  const overlong: number[] = [];
  const pieces: string[] = [];
  let start = 0;
  if (pending.overlong || pending.length > 0) {
    const end = nextLineEnd(chunk, 0, carriageReturn);
    if (pending.overlong || pending.length + end > max) {
      overlong.push(0);
      pieces.push('');
    } else {
      const line = new Uint8Array(pending.length + end);
      line.set(pendingBytes(pending));
      line.set(chunk.subarray(0, end), pending.length);
      pieces.push(decoder.decode(line));
    }
    pieces.push(String.fromCharCode(chunk[end] ?? NEWLINE));
    start = end + 1;
  }
  let lineCount = overlong.length > 0 || pieces.length > 0 ? 1 : 0;
  /** Where the line ends of a stretch decoded at once begin, to be counted only if the pending line's index is asked for. */
  let uncounted = -1;
  if (start <= last) {
    if (last - start <= max) {
      // No line in this stretch can pass the cap: decoded at once (a UTF-8 character never holds a line-end byte).
      const text = decoder.decode(chunk.subarray(start, last + 1));
      pieces.push(text);
      uncounted = start;
    } else {
      let at = start;
      forEachLineEnd(chunk, start, last, carriageReturn, (end) => {
        if (end - at > max) {
          overlong.push(lineCount);
          pieces.push(String.fromCharCode(chunk[end] ?? NEWLINE));
        } else pieces.push(decoder.decode(chunk.subarray(at, end + 1)));
        lineCount++;
        at = end + 1;
      });
    }
  }
  const next = appendPending(NO_PENDING_LINE, chunk.subarray(last + 1), max);
  if (next.overlong) {
    if (uncounted >= 0) forEachLineEnd(chunk, uncounted, last, carriageReturn, () => lineCount++);
    overlong.push(lineCount);
  }
  return { ended: pieces.join(''), overlong, pending: next };
}

const LINE_ENDS = /\r|\n/;

/** The lines `chunk` completes. With `\r` as a line end, `\r\n` ends a line and an empty one, which readers skip. */
export function completeLines(pending: PendingLine, chunk: Uint8Array, options: LineOptions = {}): LineChunk {
  const { text, overlong, pending: next } = completeText(pending, chunk, options);
  if (text === undefined) return { lines: [], overlong, pending: next };
  return { lines: options.carriageReturnEnds === true ? text.split(LINE_ENDS) : text.split('\n'), overlong, pending: next };
}

/** What the user reads for each skipped line; `firstLine` is the number (1-based) of the chunk's first complete line, when the reader counts lines. */
export function overlongProblems(overlong: readonly number[], completeLineCount: number, firstLine?: number): string[] {
  const limit = `${MAX_LINE_BYTES / (1024 * 1024)} MiB`;
  return overlong.map((index) => {
    const which = firstLine === undefined ? 'A line' : `Line ${firstLine + index}`;
    return index >= completeLineCount
      ? `${which} is longer than ${limit} with no line break yet; its bytes are skipped up to its end.`
      : `${which} is longer than ${limit}; it was skipped.`;
  });
}
