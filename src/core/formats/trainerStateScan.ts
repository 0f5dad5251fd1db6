import { PointColumns, type PointWriter } from '../pointColumns';
import { parseNumber } from './consoleLines';
import { parseLenientJson } from './lenientJson';
import { isMetricKey, isRecord, writeRecordPoints } from './metricRecord';
import { ByteNumberReader } from './trainerStateNumber';
import {
  QUOTE,
  BACKSLASH,
  COMMA,
  COLON,
  OPEN_BRACE,
  CLOSE_BRACE,
  OPEN_BRACKET,
  CLOSE_BRACKET,
  MINUS,
  LETTER_N,
  LETTER_T,
  LETTER_F,
  BIG_N,
  BIG_I,
} from './jsonCodes';

/** What a key does in a log_history entry, decided once per distinct key (as `writeRecordPoints` decides per entry). */
const METRIC = 0;
const STEP = 1;
const EPOCH = 2;
const TIMESTAMP = 3;
const UNDERSCORE_TIMESTAMP = 4;
/** A key that places a record without measuring it and is not read here (`global_step`, `_runtime`, …). */
const OTHER_POSITION = 5;
/** A key whose name `JSON.parse` would enumerate out of order (an array index such as `"3"`): its entry is parsed. */
const INDEX_LIKE = 6;

interface KeyEntry {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly kind: number;
  /** The entry this key was last seen in: a key twice in one entry sends it to `JSON.parse` (which keeps the last value at the first place). */
  seenEntry: number;
  /** The next key with the same hash. */
  next: KeyEntry | undefined;
  /** The key that followed this one in the last entry that had it. */
  following: KeyEntry | undefined;
  /** The writer's number for this key, taken when its first point is written (-1 until then). */
  id: number;
}

/** A writer whose keys are numbered once (PointColumns): the scan looks a key up once, not once a point. */
export interface NumberedPointWriter extends PointWriter {
  keyId(key: string): number;
  addWithId(id: number, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void;
}

function classify(key: string): number {
  if (key === 'step') return STEP;
  if (key === 'epoch') return EPOCH;
  if (key === '_timestamp') return UNDERSCORE_TIMESTAMP;
  if (key === 'timestamp') return TIMESTAMP;
  if (/^[0-9]/.test(key)) return INDEX_LIKE;
  return isMetricKey(key) ? METRIC : OTHER_POSITION;
}

const ASCII_END = 128;

const LOG_HISTORY = [...'log_history'].map((char) => char.charCodeAt(0));
const NAN_BYTES = [...'NaN'].map((char) => char.charCodeAt(0));
const INFINITY_BYTES = [...'Infinity'].map((char) => char.charCodeAt(0));
const NULL_BYTES = [...'null'].map((char) => char.charCodeAt(0));
const TRUE_BYTES = [...'true'].map((char) => char.charCodeAt(0));
const FALSE_BYTES = [...'false'].map((char) => char.charCodeAt(0));
/** A non-finite literal turned into a string by the lenient parser, which then revives any string like it: such text keeps the whole-file path. */
const SENTINEL_ESCAPE = '\\u0000';

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/** A UTF-8 byte-order mark at `at`: a decoder drops it at the start of what it decodes. */
const startsWithMark = (bytes: Uint8Array, at: number): boolean => bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;

function startsWith(bytes: Uint8Array, at: number, word: readonly number[]): boolean {
  for (let k = 0; k < word.length; k++) if (bytes[at + k] !== word[k]) return false;
  return true;
}

/** Where the string starting at `start` (its opening quote) ends, past its closing quote; -1 when the bytes end first. */
function skipString(bytes: Uint8Array, start: number): number {
  for (let i = start + 1; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/**
 * Where the JSON value starting at `start` ends, for text that is JSON (-1 when the bytes end first). Nothing
 * is checked: whatever is skipped is parsed afterwards by `JSON.parse`, which refuses what is not JSON.
 */
function skipValue(bytes: Uint8Array, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) return skipString(bytes, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < bytes.length;) {
      const c = bytes[i] as number;
      if (c === QUOTE) {
        i = skipString(bytes, i);
        if (i < 0) return -1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
    return -1;
  }
  let i = start;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    i++;
  }
  return i === start || i === bytes.length ? -1 : i;
}

const decoder = new TextDecoder('utf-8');

/** What the history's scan returns when it stops at the entry another thread reads from. */
const STOPPED = -2;

/**
 * Reads the entries of `log_history` from the file's bytes into columns, with no object per entry and no
 * text for the whole file: a flat entry of numbers (and strings, null, true, false, NaN and ±Infinity as
 * Python writes them) is read in place, any other entry (a nested value, an escape, a non-ASCII byte, an
 * index-like key, a key twice) by `JSON.parse` of its own text. The points are the ones
 * `writeRecordPoints(entry, entry.step)` writes for each entry of `JSON.parse` of the file, in the same order.
 */
class LogHistoryScanner {
  private readonly keys = new Map<number, KeyEntry>();
  private readonly numbers = new ByteNumberReader();
  private entryNumber = 0;
  /** The first key of the last entry read in place. */
  private firstKey: KeyEntry | undefined;
  /** The entry's metrics until its step, epoch and time are known (they come after the metrics in a sorted dump). */
  private metricKeys: KeyEntry[] = [];
  private metricValues: number[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly writer: NumberedPointWriter,
  ) {}

  /** Reads the array starting at `start` (its `[`); returns where it ends (past its `]`), or -1 when this file is for the whole-file parse. */
  array(start: number, stopAt: number): number {
    const bytes = this.bytes;
    let i = start + 1;
    while (isSpace(bytes[i] as number)) i++;
    if (bytes[i] === CLOSE_BRACKET) return i + 1;
    return this.entries(i, stopAt);
  }

  /**
   * Reads the array's entries from `start` (an entry's first byte) to the array's end: where it ends (past its
   * `]`), -1 when this file is for the whole-file parse, or STOPPED when an entry begins at `stopAt`.
   */
  entries(start: number, stopAt: number): number {
    const bytes = this.bytes;
    let i = start;
    for (;;) {
      if (i === stopAt) return STOPPED;
      let end = bytes[i] === OPEN_BRACE ? this.flatEntry(i) : -1;
      if (end < 0) end = this.parsedEntry(i);
      if (end < 0) return -1;
      i = end;
      let c = bytes[i] as number;
      while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
      if (c === CLOSE_BRACKET) return i + 1;
      if (c !== COMMA) return -1;
      i++;
      while (isSpace(bytes[i] as number)) i++;
    }
  }

  /** An entry the scanner leaves: its own text by `JSON.parse`, as Python's non-finite literals allow. */
  private parsedEntry(start: number): number {
    // The decoder would drop a byte-order mark at the entry's start, which the whole-file parse refuses.
    if (startsWithMark(this.bytes, start)) return -1;
    const end = skipValue(this.bytes, start);
    if (end < 0) return -1;
    const text = decoder.decode(this.bytes.subarray(start, end));
    if (text.includes(SENTINEL_ESCAPE)) return -1;
    let entry: unknown;
    try {
      entry = parseLenientJson(text);
    } catch {
      return -1;
    }
    if (isRecord(entry) && typeof entry['step'] === 'number') writeRecordPoints(entry, entry['step'], this.writer);
    return end;
  }

  /** A flat entry read in place; -1 having written nothing when it is not one. */
  private flatEntry(start: number): number {
    const bytes = this.bytes;
    const length = bytes.length;
    const entryNumber = ++this.entryNumber;
    let i = start + 1;
    let c = bytes[i] as number;
    while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
    let metrics = 0;
    // Numbers with a flag each rather than `number | undefined`: optimized code then keeps them unboxed, with
    // no heap number allocated per value read.
    let step = 0;
    let hasStep = false;
    let epoch = 0;
    let hasEpoch = false;
    let timestamp = 0;
    let hasTimestamp = false;
    let underscoreTimestamp = 0;
    let hasUnderscoreTimestamp = false;
    let previous: KeyEntry | undefined;
    if (c !== CLOSE_BRACE) {
      for (;;) {
        if (c !== QUOTE) return -1;
        const keyStart = ++i;
        // Entries of a log mostly repeat a few shapes: the key that followed this one last time is tried first, in place.
        const expected = previous === undefined ? this.firstKey : previous.following;
        let entry: KeyEntry | undefined;
        if (expected !== undefined) {
          const expectedBytes = expected.bytes;
          const keyLength = expectedBytes.length;
          if (bytes[keyStart + keyLength] === QUOTE) {
            let k = 0;
            while (k < keyLength && bytes[keyStart + k] === expectedBytes[k]) k++;
            if (k === keyLength) {
              entry = expected;
              i = keyStart + keyLength;
            }
          }
        }
        if (entry === undefined) {
          let hash = 0;
          for (;;) {
            if (i >= length) return -1;
            c = bytes[i] as number;
            if (c === QUOTE) break;
            if (c === BACKSLASH || c < 32 || c >= ASCII_END) return -1;
            hash = (Math.imul(hash, 31) + c) | 0;
            i++;
          }
          entry = this.entry(keyStart, i, hash);
          if (previous === undefined) this.firstKey = entry;
          else previous.following = entry;
        }
        if (entry.kind === INDEX_LIKE || entry.seenEntry === entryNumber) return -1;
        entry.seenEntry = entryNumber;
        previous = entry;
        c = bytes[++i] as number;
        while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
        if (c !== COLON) return -1;
        c = bytes[++i] as number;
        while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
        const kind = entry.kind;
        let value = 0;
        let hasValue = false;
        if (c === QUOTE) {
          // A string: a metric's may hold a number, read as writeRecordPoints reads it; it places nothing.
          const stringStart = ++i;
          for (;;) {
            if (i >= length) return -1;
            c = bytes[i] as number;
            if (c === QUOTE) break;
            if (c === BACKSLASH || c < 32 || c >= ASCII_END) return -1;
            i++;
          }
          if (kind === METRIC) {
            const parsed = parseNumber(decoder.decode(bytes.subarray(stringStart, i)));
            hasValue = parsed !== undefined;
            if (parsed !== undefined) value = parsed;
          }
          c = bytes[++i] as number;
        } else if (c === LETTER_N || c === LETTER_T || c === LETTER_F) {
          // null, true and false measure nothing and place nothing.
          const literal = c === LETTER_N ? NULL_BYTES : c === LETTER_T ? TRUE_BYTES : FALSE_BYTES;
          if (!startsWith(bytes, i, literal)) return -1;
          i += literal.length;
          c = bytes[i] as number;
        } else if (c === BIG_N || c === BIG_I || (c === MINUS && bytes[i + 1] === BIG_I)) {
          // Python's non-finite literals, which the whole-file parse reads as numbers.
          const negative = c === MINUS;
          const at = negative ? i + 1 : i;
          const literal = bytes[at] === BIG_N ? NAN_BYTES : INFINITY_BYTES;
          if (!startsWith(bytes, at, literal) || (negative && literal === NAN_BYTES)) return -1;
          value = literal === NAN_BYTES ? NaN : negative ? -Infinity : Infinity;
          hasValue = true;
          i = at + literal.length;
          c = bytes[i] as number;
        } else {
          if (!this.numbers.scan(bytes, i)) return -1;
          value = this.numbers.value;
          hasValue = true;
          i = this.numbers.end;
          c = bytes[i] as number;
        }
        if (kind === METRIC) {
          if (hasValue) {
            this.metricKeys[metrics] = entry;
            this.metricValues[metrics] = value;
            metrics++;
          }
        } else if (kind === STEP) {
          step = value;
          hasStep = hasValue;
        } else if (kind === EPOCH) {
          epoch = value;
          hasEpoch = hasValue && Number.isFinite(value);
        } else if (kind === TIMESTAMP) {
          timestamp = value;
          hasTimestamp = hasValue;
        } else if (kind === UNDERSCORE_TIMESTAMP) {
          underscoreTimestamp = value;
          hasUnderscoreTimestamp = hasValue;
        }
        while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return -1;
        c = bytes[++i] as number;
        while (c === 32 || c === 10 || c === 13 || c === 9) c = bytes[++i] as number;
      }
    }
    if (hasStep) {
      const entryEpoch = hasEpoch ? epoch : undefined;
      const wallTime = hasUnderscoreTimestamp ? underscoreTimestamp : hasTimestamp ? timestamp : undefined;
      for (let m = 0; m < metrics; m++) {
        const key = this.metricKeys[m] as KeyEntry;
        if (key.id < 0) key.id = this.writer.keyId(key.key);
        this.writer.addWithId(key.id, step, this.metricValues[m] as number, entryEpoch, wallTime);
      }
    }
    return i + 1;
  }

  private entry(start: number, end: number, hash: number): KeyEntry {
    const first = this.keys.get(hash);
    const length = end - start;
    for (let entry = first; entry !== undefined; entry = entry.next) {
      if (entry.bytes.length !== length) continue;
      let k = 0;
      while (k < length && this.bytes[start + k] === entry.bytes[k]) k++;
      if (k === length) return entry;
    }
    const bytes = this.bytes.slice(start, end);
    const key = decoder.decode(bytes);
    const entry: KeyEntry = { key, bytes, kind: classify(key), seenEntry: 0, next: first, following: undefined, id: -1 };
    this.keys.set(hash, entry);
    return entry;
  }
}

/** The file's log_history read into columns and the rest of it parsed by `JSON.parse`. */
export interface ScannedTrainerState {
  readonly columns: PointColumns;
  readonly rest: Record<string, unknown>;
}

/** The top level of a trainer_state.json read from its bytes: its log_history by a LogHistoryScanner, every other member skipped. */
class TrainerStateScan {
  // An indented entry of Trainer's takes 56 bytes or more per metric (its line, and its share of the step and
  // epoch lines and the braces). The guess comes from bytes held in memory, so it may pass the usual cap: 29
  // bytes of arrays per point, half the file's size at most, rather than a copy at each doubling.
  readonly columns: PointColumns;
  private readonly history: LogHistoryScanner;
  private historyStart = -1;
  private historyEnd = -1;

  constructor(private readonly bytes: Uint8Array) {
    this.columns = new PointColumns(bytes.length / 56, bytes.length / 56);
    this.history = new LogHistoryScanner(bytes, this.columns);
  }

  /** From the file's start: where the top level's `}` is, -1 for the whole-text parse, or STOPPED at a log_history entry beginning at `stopAt`. */
  start(stopAt: number): number {
    const bytes = this.bytes;
    let i = 0;
    // The decoder drops one leading byte-order mark, so the whole-file parse never sees it.
    if (startsWithMark(bytes, 0)) i = 3;
    while (isSpace(bytes[i] as number)) i++;
    if (bytes[i] !== OPEN_BRACE) return -1;
    i++;
    while (isSpace(bytes[i] as number)) i++;
    if (bytes[i] === CLOSE_BRACE) return -1;
    return this.members(i, false, stopAt);
  }

  /**
   * After `start` stopped at `stopAt`: the log_history's entries from there, as another thread read them up to
   * `tailEnd` (past the array's `]`; its points already in `columns`) or, when it gave none, read here; then the rest.
   */
  resume(stopAt: number, tailEnd: number | undefined): number {
    const end = tailEnd ?? this.history.entries(stopAt, -1);
    if (end < 0) return -1;
    this.historyEnd = end;
    return this.members(end, true, -1);
  }

  /** The top level's members from `start`, which is just past a member's value when `pastValue`; returns as `start` does. */
  private members(start: number, pastValue: boolean, stopAt: number): number {
    const bytes = this.bytes;
    let i = start;
    let afterValue = pastValue;
    for (;;) {
      if (!afterValue) {
        if (bytes[i] !== QUOTE) return -1;
        const keyStart = i + 1;
        i = keyStart;
        while (i < bytes.length && bytes[i] !== QUOTE) {
          if (bytes[i] === BACKSLASH) return -1;
          i++;
        }
        const isHistory = i - keyStart === LOG_HISTORY.length && startsWith(bytes, keyStart, LOG_HISTORY);
        i++;
        while (isSpace(bytes[i] as number)) i++;
        if (bytes[i] !== COLON) return -1;
        i++;
        while (isSpace(bytes[i] as number)) i++;
        if (isHistory) {
          if (this.historyStart >= 0 || bytes[i] !== OPEN_BRACKET) return -1;
          this.historyStart = i;
          i = this.history.array(i, stopAt);
          if (i === STOPPED) return STOPPED;
          this.historyEnd = i;
        } else i = skipValue(bytes, i);
        if (i < 0) return -1;
      }
      afterValue = false;
      while (isSpace(bytes[i] as number)) i++;
      if (bytes[i] === CLOSE_BRACE) return i;
      if (bytes[i] !== COMMA) return -1;
      i++;
      while (isSpace(bytes[i] as number)) i++;
    }
  }

  /** The result once the top level's `}` is at `closed` (-1: none, for the whole-text parse). */
  finish(closed: number): ScannedTrainerState | undefined {
    const bytes = this.bytes;
    // A byte-order mark right after the array (no whitespace: the whole-file parse refuses it) would be dropped by decoding the rest apart.
    if (closed < 0 || this.historyStart < 0 || startsWithMark(bytes, this.historyEnd)) return undefined;
    // The rest of the file with the array replaced by a number: valid JSON exactly when the file is, the array being valid.
    const rest = `${decoder.decode(bytes.subarray(0, this.historyStart))}0${decoder.decode(bytes.subarray(this.historyEnd))}`;
    if (rest.includes(SENTINEL_ESCAPE)) return undefined;
    let state: unknown;
    try {
      state = parseLenientJson(rest);
    } catch {
      return undefined;
    }
    return isRecord(state) ? { columns: this.columns, rest: state } : undefined;
  }
}

/**
 * A trainer_state.json's log_history read into columns from the file's bytes, with the rest of the file
 * (best_metric, stateful_callbacks, …) parsed by `JSON.parse` as before; undefined when the file is not one
 * this can read exactly as `JSON.parse` of its whole text would (cut short, not JSON, no single top-level
 * log_history array, an escape in a top-level key), for the caller to read that way.
 */
export function scanTrainerState(bytes: Uint8Array): ScannedTrainerState | undefined {
  const scan = new TrainerStateScan(bytes);
  return scan.finish(scan.start(-1));
}

/**
 * `scanTrainerState` with the log_history's entries from byte `split` on left to another thread. `stopped`
 * only when an entry of the array begins exactly at `split`, which the scan met there between two entries of
 * the array itself: the entries from `split` on are then read by `scanLogHistoryTail` as this scan would read
 * them. `resume` takes where that read ended, its points added to `columns` first, or undefined to read them
 * here. A split anywhere else (inside an entry, a string, another member) is never met: the scan reads on alone.
 */
export type SplitTrainerStateScan =
  | { readonly stopped: false; readonly result: ScannedTrainerState | undefined }
  | { readonly stopped: true; readonly columns: PointColumns; resume(tailEnd: number | undefined): ScannedTrainerState | undefined };

export function scanTrainerStateBefore(bytes: Uint8Array, split: number): SplitTrainerStateScan {
  const scan = new TrainerStateScan(bytes);
  const closed = scan.start(split);
  if (closed !== STOPPED) return { stopped: false, result: scan.finish(closed) };
  return { stopped: true, columns: scan.columns, resume: (tailEnd) => scan.finish(scan.resume(split, tailEnd)) };
}

/**
 * The entries of a log_history from `start` (an entry's first byte) to the array's end into `writer`, as the
 * whole scan reads them: where the array ends (past its `]`), or -1 where that scan would leave the file to the
 * whole-text parse. Bytes that are no such place are read all the same and end somewhere or at -1: the caller
 * uses the answer only once the first part's scan met `start` (see scanTrainerStateBefore).
 */
export function scanLogHistoryTail(bytes: Uint8Array, start: number, writer: NumberedPointWriter): number {
  return new LogHistoryScanner(bytes, writer).entries(start, -1);
}

/**
 * A place to split a log_history at: the first `{` from `from` on that follows `}` and `,` with only whitespace
 * between, as one entry follows another; -1 when there is none. Only a guess (the bytes may be inside a string):
 * the first part's scan decides.
 */
export function entryStartAfter(bytes: Uint8Array, from: number): number {
  for (let i = Math.max(from, 1); i < bytes.length; i++) {
    if (bytes[i] !== OPEN_BRACE) continue;
    let k = i - 1;
    while (k > 0 && isSpace(bytes[k] as number)) k--;
    if (bytes[k] !== COMMA) continue;
    k--;
    while (k > 0 && isSpace(bytes[k] as number)) k--;
    if (bytes[k] === CLOSE_BRACE) return i;
  }
  return -1;
}
