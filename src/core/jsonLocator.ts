/**
 * Where things are in a JSON text, for placing diagnostics on a log. A small scanner rather than
 * JSON.parse, because a parse keeps no positions; it accepts the bare NaN and Infinity that Python's json
 * module writes, and gives up (undefined) on text that is cut short, as a file being rewritten can be.
 */

/** One `"key": value` of an object, as UTF-16 offsets into the text (the editor's own unit). */
export interface JsonMember {
  readonly key: string;
  readonly keyStart: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  /** The value's text exactly as written: `"checkpoint-400"`, `1.25`, `NaN`, `null`, or a whole object. */
  readonly raw: string;
}

/** The value's text is cut only when asked for: a long log has hundreds of thousands of members. */
class Member implements JsonMember {
  constructor(
    private readonly text: string,
    readonly key: string,
    readonly keyStart: number,
    readonly valueStart: number,
    readonly valueEnd: number,
  ) {}

  get raw(): string {
    return this.text.slice(this.valueStart, this.valueEnd);
  }
}

class Truncated extends Error {}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** What ends a bare value (a number, NaN, true, null): space, a comma or a closing bracket. */
function endsScalar(code: number): boolean {
  return isSpace(code) || code === COMMA || code === CLOSE_ARRAY || code === CLOSE_OBJECT;
}

/**
 * A quoted key's text. An escape JSON does not allow (a hand-edited file) leaves the key as written: it
 * then matches no metric, which is all a wrong key can mean here, and members are read long after the
 * scan, where nothing may throw.
 */
function keyText(quoted: string): string {
  if (!quoted.includes('\\')) return quoted.slice(1, -1);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

/**
 * One pass over the text, charCode by charCode (a multi-megabyte state must not hold up the editor).
 * `visit` lets the caller scan a member's value itself and keep what it finds.
 */
class Scanner {
  constructor(private readonly text: string) {}

  skipSpace(at: number): number {
    let i = at;
    while (i < this.text.length && isSpace(this.text.charCodeAt(i))) i++;
    if (i >= this.text.length) throw new Truncated();
    return i;
  }

  expect(at: number, code: number): number {
    const i = this.skipSpace(at);
    if (this.text.charCodeAt(i) !== code) throw new Truncated();
    return i + 1;
  }

  stringEnd(at: number): number {
    let i = at + 1;
    for (;;) {
      const quote = this.text.indexOf('"', i);
      if (quote < 0) throw new Truncated();
      // A quote is escaped when an odd number of backslashes comes right before it.
      let backslashes = 0;
      while (this.text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      i = quote + 1;
    }
  }

  /** The end of the value that starts at or after `at`, keeping nothing. */
  valueEnd(at: number): number {
    const i = this.skipSpace(at);
    const code = this.text.charCodeAt(i);
    if (code === QUOTE) return this.stringEnd(i);
    if (code === OPEN_OBJECT) return this.objectMembers(i, false).end;
    if (code === OPEN_ARRAY) return this.arrayItems(i, () => undefined).end;
    let j = i;
    while (j < this.text.length && !endsScalar(this.text.charCodeAt(j))) j++;
    if (j === i || j >= this.text.length) throw new Truncated();
    return j;
  }

  /** `visit` sees each member (key span and value start) before its value is skipped, and may scan the value itself. */
  objectMembers(
    at: number,
    keep: boolean,
    visit?: (keyStart: number, keyEnd: number, valueStart: number) => number | undefined,
  ): { members: JsonMember[]; end: number } {
    let i = this.expect(at, OPEN_OBJECT);
    const members: JsonMember[] = [];
    i = this.skipSpace(i);
    if (this.text.charCodeAt(i) === CLOSE_OBJECT) return { members, end: i + 1 };
    for (;;) {
      const keyStart = this.skipSpace(i);
      if (this.text.charCodeAt(keyStart) !== QUOTE) throw new Truncated();
      const keyEnd = this.stringEnd(keyStart);
      const valueStart = this.skipSpace(this.expect(keyEnd, COLON));
      const valueEnd = visit?.(keyStart, keyEnd, valueStart) ?? this.valueEnd(valueStart);
      if (keep) {
        members.push(new Member(this.text, keyText(this.text.slice(keyStart, keyEnd)), keyStart, valueStart, valueEnd));
      }
      i = this.skipSpace(valueEnd);
      const next = this.text.charCodeAt(i);
      if (next === CLOSE_OBJECT) return { members, end: i + 1 };
      if (next !== COMMA) throw new Truncated();
      i++;
    }
  }

  /** Walks an array; `item` may scan an element itself and return its end. */
  arrayItems(at: number, item: (start: number) => number | undefined): { end: number } {
    let i = this.expect(at, OPEN_ARRAY);
    i = this.skipSpace(i);
    if (this.text.charCodeAt(i) === CLOSE_ARRAY) return { end: i + 1 };
    for (;;) {
      const start = this.skipSpace(i);
      const end = item(start) ?? this.valueEnd(start);
      i = this.skipSpace(end);
      const next = this.text.charCodeAt(i);
      if (next === CLOSE_ARRAY) return { end: i + 1 };
      if (next !== COMMA) throw new Truncated();
      i++;
    }
  }
}

/** A `log_history` entry: where it is, and its `step` (read while scanning, so lookups need not parse every entry). */
export interface LogEntry {
  readonly start: number;
  readonly end: number;
  readonly step: number | undefined;
}

/** A Trainer state's positions: its top-level members and its `log_history` entries, whose members are read on demand. */
export interface TrainerStateLayout {
  readonly topLevel: ReadonlyMap<string, JsonMember>;
  readonly logHistory: readonly LogEntry[];
  membersOf(entry: LogEntry): readonly JsonMember[];
}

const STEP_KEY = '"step"';

/**
 * Scans the text once. Only the top level keeps its members: a long run's history has hundreds of
 * thousands, and keeping them all would cost more than the scan.
 */
export function locateTrainerState(text: string): TrainerStateLayout | undefined {
  const scanner = new Scanner(text);
  const logHistory: LogEntry[] = [];
  const entry = (start: number): number | undefined => {
    if (text.charCodeAt(start) !== OPEN_OBJECT) return undefined;
    let step: number | undefined;
    const { end } = scanner.objectMembers(start, false, (keyStart, keyEnd, valueStart) => {
      if (keyEnd - keyStart !== STEP_KEY.length || !text.startsWith(STEP_KEY, keyStart)) return undefined;
      const valueEnd = scanner.valueEnd(valueStart);
      step = Number(text.slice(valueStart, valueEnd));
      return valueEnd;
    });
    logHistory.push({ start, end, step });
    return end;
  };
  try {
    const { members } = scanner.objectMembers(0, true, (keyStart, keyEnd, valueStart) =>
      text.slice(keyStart, keyEnd) === '"log_history"' && text.charCodeAt(valueStart) === OPEN_ARRAY ? scanner.arrayItems(valueStart, entry).end : undefined,
    );
    return {
      topLevel: new Map(members.map((member) => [member.key, member])),
      logHistory,
      membersOf: (logEntry) => scanner.objectMembers(logEntry.start, true).members,
    };
  } catch (error) {
    // RangeError: nesting deeper than the stack (no trainer writes that; a garbage file can).
    if (error instanceof Truncated || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** The member `key` of the first log entry at `step` that has it. */
export function logEntryMember(layout: TrainerStateLayout, step: number, key: string): JsonMember | undefined {
  for (const entry of layout.logHistory) {
    if (entry.step !== step) continue;
    const found = layout.membersOf(entry).find((member) => member.key === key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Zero-based line and character (UTF-16) of an offset, as editors count them; `\r\n` counts as one line break. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: end - lineStart };
}
