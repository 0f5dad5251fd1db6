import type { NotebookCellOutputs, NotebookOutput } from './notebookOutputs';

/**
 * Reads the cells and text outputs of a saved `.ipynb` (nbformat 4) straight from its bytes. A notebook of
 * tens of MB is mostly base64 images: every value the reader does not need (images, metadata, attachments)
 * is stepped over by looking for its end, never decoded into a string. What is read ends where the JSON
 * stops making sense, so the cells before a cut or a corruption are kept.
 */
export type IpynbScan =
  | { readonly kind: 'cells'; readonly cells: NotebookCellOutputs[]; readonly problem?: string; readonly cut?: boolean }
  | { readonly kind: 'incomplete'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

/** The display forms read; everything else in an output's `data` (images, widgets, JSON, LaTeX) is skipped. */
const TEXT_MIMES = new Set(['text/html', 'text/plain']);

class Stop extends Error {
  constructor(
    readonly at: number,
    readonly truncated: boolean,
    why: string,
  ) {
    super(why);
  }
}

const decoder = new TextDecoder('utf-8');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Scanner {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private fail(why: string): never {
    throw new Stop(this.pos, this.pos >= this.bytes.length, why);
  }

  ws(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < bytes.length) {
      const c = bytes[pos] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
    if (pos >= bytes.length) this.fail('the file ends');
  }

  peek(): number {
    this.ws();
    return this.bytes[this.pos] as number;
  }

  expect(char: number): void {
    if (this.peek() !== char) this.fail(`expected "${String.fromCharCode(char)}"`);
    this.pos++;
  }

  /** `,` then true, or the closing bracket then false. */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return true;
    if (c === close) return false;
    this.pos--;
    return this.fail(`expected "," or "${String.fromCharCode(close)}"`);
  }

  /** The index of the quote that ends the string whose opening quote is at `start`. */
  private stringEnd(start: number): number {
    const bytes = this.bytes;
    let at = start + 1;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, at);
      if (quote < 0) {
        this.pos = bytes.length;
        return this.fail('the file ends inside a string');
      }
      let slashes = 0;
      while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return quote;
      at = quote + 1;
    }
  }

  string(): string {
    if (this.peek() !== QUOTE) this.fail('expected a string');
    const start = this.pos;
    const end = this.stringEnd(start);
    this.pos = end + 1;
    const raw = this.bytes.subarray(start + 1, end);
    if (!raw.includes(BACKSLASH)) return decoder.decode(raw);
    try {
      return JSON.parse(decoder.decode(this.bytes.subarray(start, end + 1))) as string;
    } catch {
      this.pos = start;
      return this.fail('a string has a bad escape');
    }
  }

  /** nbformat writes multi-line text as a list of lines; both forms are accepted. */
  text(): string {
    if (this.peek() !== 0x5b) return this.string();
    this.pos++;
    if (this.peek() === 0x5d) {
      this.pos++;
      return '';
    }
    const parts: string[] = [];
    do parts.push(this.string());
    while (this.more(0x5d));
    return parts.join('');
  }

  /** Steps over any value, looking only at brackets and quotes: nothing in it is decoded. */
  skip(): void {
    const bytes = this.bytes;
    let depth = 0;
    this.ws();
    for (;;) {
      if (this.pos >= bytes.length) this.fail('the file ends');
      const c = bytes[this.pos] as number;
      if (c === QUOTE) this.pos = this.stringEnd(this.pos) + 1;
      else if (c === 0x7b || c === 0x5b) {
        depth++;
        this.pos++;
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return;
        depth--;
        this.pos++;
      } else if (c === 0x2c && depth === 0) return;
      else this.pos++;
      if (depth === 0 && (c === QUOTE || c === 0x7d || c === 0x5d)) return;
    }
  }

  /** Each key of an object, handed to `field` to read or skip its value. */
  object(field: (key: string) => void): void {
    this.expect(0x7b);
    if (this.peek() === 0x7d) {
      this.pos++;
      return;
    }
    do {
      const key = this.string();
      this.expect(0x3a);
      field(key);
    } while (this.more(0x7d));
  }

  array(item: () => void): void {
    this.expect(0x5b);
    if (this.peek() === 0x5d) {
      this.pos++;
      return;
    }
    do item();
    while (this.more(0x5d));
  }
}

function readOutput(scanner: Scanner, into: NotebookOutput[], position: number): void {
  let type = '';
  let name = '';
  let text: string | undefined;
  const data: [string, string][] = [];
  scanner.object((key) => {
    if (key === 'output_type') type = scanner.string();
    else if (key === 'name') name = scanner.string();
    else if (key === 'text') text = scanner.text();
    else if (key === 'data')
      scanner.object((mime) => {
        if (TEXT_MIMES.has(mime)) data.push([mime, scanner.text()]);
        else scanner.skip();
      });
    else scanner.skip();
  });
  if (type === 'stream' && text !== undefined)
    into.push(
      name === 'stdout' || name === 'stderr' ? { kind: 'stream', mime: 'text/plain', stream: name, text } : { kind: 'stream', mime: 'text/plain', text },
    );
  else if (type === 'display_data' || type === 'execute_result' || type === 'update_display_data')
    for (const [mime, value] of data) into.push({ kind: 'display', mime, text: value, output: position });
}

interface CellDraft {
  index: number;
  id?: string;
  source?: string;
  outputs: NotebookOutput[];
}

function readCell(scanner: Scanner, cell: CellDraft): void {
  scanner.object((key) => {
    if (key === 'id') cell.id = scanner.string();
    else if (key === 'source') cell.source = scanner.text();
    else if (key === 'outputs') {
      let position = 0;
      scanner.array(() => readOutput(scanner, cell.outputs, position++));
    } else scanner.skip();
  });
}

/** The cells of a saved notebook, and, when its JSON is cut or broken, those that came before it said how. */
export function scanIpynb(bytes: Uint8Array): IpynbScan {
  const scanner = new Scanner(bytes);
  const cells: CellDraft[] = [];
  let sawCells = false;
  let cellsDone = false;
  try {
    scanner.object((key) => {
      if (key !== 'cells') return scanner.skip();
      sawCells = true;
      scanner.array(() => {
        // Kept before it is read: a cut inside it keeps its complete outputs.
        const cell: CellDraft = { index: cells.length, outputs: [] };
        cells.push(cell);
        readCell(scanner, cell);
      });
      cellsDone = true;
    });
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    if (!sawCells) {
      if (error.truncated) return { kind: 'incomplete', message: `The notebook ends before its JSON does (${bytes.length} bytes; it may be being saved).` };
      return { kind: 'invalid', message: `This is not a Jupyter notebook: its JSON is broken at byte ${error.at} (${error.message}) before any cell.` };
    }
    const where = cellsDone ? 'after the last cell' : cells.length === 0 ? 'before the first cell' : `in cell ${cells.length}`;
    const problem = error.truncated
      ? `The notebook ends before its JSON does (at byte ${bytes.length}, ${where}): the outputs before were read, the rest is missing (it may be being saved).`
      : `The notebook's JSON is broken at byte ${error.at} (${error.message}, ${where}): the outputs before were read, the rest was not.`;
    return error.truncated ? { kind: 'cells', cells, problem, cut: true } : { kind: 'cells', cells, problem };
  }
  if (!sawCells) return { kind: 'invalid', message: 'This JSON has no `cells` list, so it is not a Jupyter notebook (nbformat 4).' };
  return { kind: 'cells', cells };
}
