import type { PointWriter } from '../pointColumns';
import { parseNumber } from './consoleLines';
import { isMetricKey, STEP_KEYS } from './metricRecord';
import {
  QUOTE,
  BACKSLASH,
  COMMA,
  COLON,
  OPEN_BRACE,
  CLOSE_BRACE,
  MINUS,
  PLUS,
  DOT,
  ZERO,
  NINE,
  SMALL_E,
  BIG_E,
  LETTER_N,
  LETTER_T,
  LETTER_F,
  POWERS_OF_TEN,
} from './jsonCodes';

/** What a key does in a record, decided once per distinct key string (`writeRecordPoints` and `readStep` decide the same per line). */
const METRIC = -1;
const OTHER_POSITION = -2;
const EPOCH = -3;
const TIMESTAMP = -4;
const UNDERSCORE_TIMESTAMP = -5;
/** A key whose name `JSON.parse` would enumerate out of order (an array index such as `"3"`): such a line takes the general path. */
const INDEX_LIKE = -6;

interface KeyEntry {
  readonly key: string;
  /** A rank in STEP_KEYS (0 first), or one of the kinds above. */
  readonly kind: number;
  /** The line this key was last seen on: a key twice on one line takes the general path (`JSON.parse` keeps the last value at the first place). */
  seenLine: number;
  /** The next key with the same hash. */
  next: KeyEntry | undefined;
  /** The key that followed this one on the last line that had it. */
  following: KeyEntry | undefined;
}

function classify(key: string): number {
  const rank = (STEP_KEYS as readonly string[]).indexOf(key);
  if (rank >= 0) return rank;
  if (key === 'epoch') return EPOCH;
  if (key === '_timestamp') return UNDERSCORE_TIMESTAMP;
  if (key === 'timestamp') return TIMESTAMP;
  if (/^[0-9]/.test(key)) return INDEX_LIKE;
  return isMetricKey(key) ? METRIC : OTHER_POSITION;
}

const MAX_EXACT_DIGITS = 15;

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 13;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/**
 * Reads the common JSONL line, a flat object of numbers (and strings, null, true, false), straight from the
 * chunk's text into the writer: no object per line, no string per key (a key is recognised where it stands and
 * its role decided once per chunk), no string per number, a string kept only when a metric's value. Anything
 * else (a nested value, an escape, an index-like key, a key twice, a number of more than 15 digits, text
 * `JSON.parse` would refuse) returns -1 having written nothing, and the caller reads the line as before. The
 * points are the ones `writeRecordPoints(JSON.parse(line))` writes, in the same order.
 */
export class FlatLineReader {
  private readonly keys = new Map<number, KeyEntry>();
  private line = 0;
  /** The first key of the last line read this way. */
  private firstKey: KeyEntry | undefined;
  /** The line's metrics until its step, epoch and time are known (they may come after the metrics). */
  private metricKeys: string[] = [];
  private metricValues: number[] = [];
  /**
   * True once a number had more than 15 digits or a power of ten past 10^±22 (a float written at full
   * precision): exactness would then take a string per number, slower than `JSON.parse`, so the caller
   * stops asking this reader for the rest of the chunk (a log writes its numbers one way throughout).
   */
  longNumbers = false;
  /** Where the number `readNumber` last read ends. */
  private numberEnd = 0;

  constructor(private readonly writer: PointWriter) {}

  /** Reads the line starting at `start` in `text` (ending at the next `\n` or the text's end); returns where it ends, or -1 when it is not such a line. */
  read(text: string, start: number): number {
    const line = ++this.line;
    const length = text.length;
    let i = start;
    let c = text.charCodeAt(i);
    while (isSpace(c)) c = text.charCodeAt(++i);
    if (c !== OPEN_BRACE) return -1;
    c = text.charCodeAt(++i);
    while (isSpace(c)) c = text.charCodeAt(++i);
    let metrics = 0;
    let stepRank: number = STEP_KEYS.length;
    let step = 0;
    let epoch: number | undefined;
    let timestamp: number | undefined;
    let underscoreTimestamp: number | undefined;
    let previous: KeyEntry | undefined;
    if (c !== CLOSE_BRACE) {
      for (;;) {
        if (c !== QUOTE) return -1;
        const keyStart = ++i;
        // Lines of a log mostly repeat one shape: the key that followed this one last time is tried first, in place.
        const expected = previous === undefined ? this.firstKey : previous.following;
        let entry: KeyEntry;
        if (expected !== undefined && text.charCodeAt(keyStart + expected.key.length) === QUOTE && text.startsWith(expected.key, keyStart)) {
          entry = expected;
          i = keyStart + expected.key.length;
        } else {
          let hash = 0;
          for (;;) {
            if (i >= length) return -1;
            c = text.charCodeAt(i);
            if (c === QUOTE) break;
            if (c === BACKSLASH || c < 32) return -1;
            hash = (Math.imul(hash, 31) + c) | 0;
            i++;
          }
          entry = this.entry(text, keyStart, i, hash);
          if (previous === undefined) this.firstKey = entry;
          else previous.following = entry;
        }
        if (entry.kind === INDEX_LIKE || entry.seenLine === line) return -1;
        entry.seenLine = line;
        previous = entry;
        c = text.charCodeAt(++i);
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c !== COLON) return -1;
        c = text.charCodeAt(++i);
        while (isSpace(c)) c = text.charCodeAt(++i);
        const kind = entry.kind;
        if (c === QUOTE) {
          // A string: a metric's may hold a number, read as writeRecordPoints reads it; any other key's is skipped.
          const stringStart = ++i;
          for (;;) {
            if (i >= length) return -1;
            c = text.charCodeAt(i);
            if (c === QUOTE) break;
            if (c === BACKSLASH || c < 32) return -1;
            i++;
          }
          if (kind === METRIC) {
            const value = parseNumber(text.slice(stringStart, i));
            if (value !== undefined) {
              this.metricKeys[metrics] = entry.key;
              this.metricValues[metrics] = value;
              metrics++;
            }
          }
          c = text.charCodeAt(++i);
        } else if (c === LETTER_N || c === LETTER_T || c === LETTER_F) {
          // null, true and false measure nothing and place nothing.
          const literal = c === LETTER_N ? 'null' : c === LETTER_T ? 'true' : 'false';
          if (!text.startsWith(literal, i)) return -1;
          i += literal.length;
          c = text.charCodeAt(i);
        } else {
          const value = this.readNumber(text, i);
          if (Number.isNaN(value)) return -1;
          i = this.numberEnd;
          c = text.charCodeAt(i);
          if (kind === METRIC) {
            this.metricKeys[metrics] = entry.key;
            this.metricValues[metrics] = value;
            metrics++;
          } else if (kind >= 0) {
            if (kind < stepRank && Number.isFinite(value)) {
              stepRank = kind;
              step = value;
            }
          } else if (kind === EPOCH) epoch = Number.isFinite(value) ? value : undefined;
          else if (kind === TIMESTAMP) timestamp = value;
          else if (kind === UNDERSCORE_TIMESTAMP) underscoreTimestamp = value;
        }
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return -1;
        c = text.charCodeAt(++i);
        while (isSpace(c)) c = text.charCodeAt(++i);
      }
    }
    c = text.charCodeAt(++i);
    while (isSpace(c)) c = text.charCodeAt(++i);
    // The line must end here (NaN past the text's end): anything after the object is for the general path to refuse.
    if (i < length && c !== 10) return -1;
    if (stepRank < STEP_KEYS.length) {
      const wallTime = underscoreTimestamp ?? timestamp;
      for (let m = 0; m < metrics; m++) this.writer.add(this.metricKeys[m] as string, step, this.metricValues[m] as number, epoch, wallTime);
    }
    return i;
  }

  /** The JSON number at `start` (its end in `numberEnd`), or NaN when the text there is not one. */
  private readNumber(text: string, start: number): number {
    let i = start;
    let c = text.charCodeAt(i);
    // A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const negative = c === MINUS;
    if (negative) c = text.charCodeAt(++i);
    if (!isDigit(c)) return NaN;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    if (c === ZERO) c = text.charCodeAt(++i);
    else
      while (isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = text.charCodeAt(++i);
      }
    if (c === DOT) {
      c = text.charCodeAt(++i);
      if (!isDigit(c)) return NaN;
      while (isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        if (mantissa !== 0) digits++;
        scale--;
        c = text.charCodeAt(++i);
      }
    }
    if (c === SMALL_E || c === BIG_E) {
      c = text.charCodeAt(++i);
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = text.charCodeAt(++i);
      if (!isDigit(c)) return NaN;
      let exponent = 0;
      while (isDigit(c)) {
        if (exponent < 1000) exponent = exponent * 10 + (c - ZERO);
        c = text.charCodeAt(++i);
      }
      scale += negativeExponent ? -exponent : exponent;
    }
    if (digits > MAX_EXACT_DIGITS || scale < -22 || scale > 22) {
      // JSON.parse reads such a number without the string Number would need: the chunk's lines go to it.
      this.longNumbers = true;
      return NaN;
    }
    const value = scale === 0 ? mantissa : scale < 0 ? mantissa / (POWERS_OF_TEN[-scale] as number) : mantissa * (POWERS_OF_TEN[scale] as number);
    this.numberEnd = i;
    return negative ? -value : value;
  }

  private entry(text: string, start: number, end: number, hash: number): KeyEntry {
    const first = this.keys.get(hash);
    for (let entry = first; entry !== undefined; entry = entry.next) if (entry.key.length === end - start && text.startsWith(entry.key, start)) return entry;
    const key = text.slice(start, end);
    const entry: KeyEntry = { key, kind: classify(key), seenLine: 0, next: first, following: undefined };
    this.keys.set(hash, entry);
    return entry;
  }
}
