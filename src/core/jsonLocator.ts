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

class Truncated extends Error {}

class Scanner {
  constructor(private readonly text: string) {}

  skipSpace(at: number): number {
    let i = at;
    while (i < this.text.length && /\s/.test(this.text.charAt(i))) i++;
    if (i >= this.text.length) throw new Truncated();
    return i;
  }

  expect(at: number, char: string): number {
    const i = this.skipSpace(at);
    if (this.text.charAt(i) !== char) throw new Truncated();
    return i + 1;
  }

  stringEnd(at: number): number {
    for (let i = at + 1; i < this.text.length; i++) {
      const char = this.text.charAt(i);
      if (char === '\\') i++;
      else if (char === '"') return i + 1;
    }
    throw new Truncated();
  }

  /** The end of the value that starts at or after `at`. */
  valueEnd(at: number): number {
    const i = this.skipSpace(at);
    const char = this.text.charAt(i);
    if (char === '"') return this.stringEnd(i);
    if (char === '{') return this.objectMembers(i).end;
    if (char === '[') return this.arrayItems(i).end;
    let j = i;
    while (j < this.text.length && !/[\s,\]}]/.test(this.text.charAt(j))) j++;
    if (j === i || j >= this.text.length) throw new Truncated();
    return j;
  }

  objectMembers(at: number): { members: JsonMember[]; end: number } {
    let i = this.expect(at, '{');
    const members: JsonMember[] = [];
    i = this.skipSpace(i);
    if (this.text.charAt(i) === '}') return { members, end: i + 1 };
    for (;;) {
      const keyStart = this.skipSpace(i);
      if (this.text.charAt(keyStart) !== '"') throw new Truncated();
      const keyEnd = this.stringEnd(keyStart);
      const key = JSON.parse(this.text.slice(keyStart, keyEnd)) as string;
      const valueStart = this.skipSpace(this.expect(keyEnd, ':'));
      const valueEnd = this.valueEnd(valueStart);
      members.push({ key, keyStart, valueStart, valueEnd, raw: this.text.slice(valueStart, valueEnd) });
      i = this.skipSpace(valueEnd);
      const next = this.text.charAt(i);
      if (next === '}') return { members, end: i + 1 };
      if (next !== ',') throw new Truncated();
      i++;
    }
  }

  arrayItems(at: number): { items: { start: number; end: number }[]; end: number } {
    let i = this.expect(at, '[');
    const items: { start: number; end: number }[] = [];
    i = this.skipSpace(i);
    if (this.text.charAt(i) === ']') return { items, end: i + 1 };
    for (;;) {
      const start = this.skipSpace(i);
      const end = this.valueEnd(start);
      items.push({ start, end });
      i = this.skipSpace(end);
      const next = this.text.charAt(i);
      if (next === ']') return { items, end: i + 1 };
      if (next !== ',') throw new Truncated();
      i++;
    }
  }
}

/** A Trainer state's positions: its top-level members and, for each `log_history` entry, that entry's members. */
export interface TrainerStateLayout {
  readonly topLevel: ReadonlyMap<string, JsonMember>;
  readonly logHistory: readonly (readonly JsonMember[])[];
}

export function locateTrainerState(text: string): TrainerStateLayout | undefined {
  const scanner = new Scanner(text);
  try {
    const { members } = scanner.objectMembers(0);
    const topLevel = new Map(members.map((member) => [member.key, member]));
    const history = topLevel.get('log_history');
    const logHistory: JsonMember[][] = [];
    if (history !== undefined && history.raw.startsWith('[')) {
      for (const item of scanner.arrayItems(history.valueStart).items) {
        if (text.charAt(item.start) === '{') logHistory.push(scanner.objectMembers(item.start).members);
      }
    }
    return { topLevel, logHistory };
  } catch (error) {
    if (error instanceof Truncated || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The member `key` of the first log entry at `step` that has it. */
export function logEntryMember(layout: TrainerStateLayout, step: number, key: string): JsonMember | undefined {
  for (const entry of layout.logHistory) {
    const stepMember = entry.find((member) => member.key === 'step');
    if (stepMember === undefined || Number(stepMember.raw) !== step) continue;
    const found = entry.find((member) => member.key === key);
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
