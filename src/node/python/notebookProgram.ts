import type { Span } from './syntax';

/** A code cell's place in the program: its text starts at `start` and keeps its length. */
export interface ProgramPart {
  readonly start: number;
  readonly length: number;
}

/**
 * A notebook's code cells read as one program, as the kernel runs them (in document order): names imported
 * or bound in one cell are known in the next. Each cell keeps its offsets: IPython's lines (magics, shell
 * escapes, help) are blanked to spaces, never removed, so a program offset minus the cell's start is the
 * offset in the cell's own text.
 */
export interface NotebookProgram {
  readonly text: string;
  readonly parts: readonly ProgramPart[];
}

/** `%%time` and the like run their body as Python; any other cell magic (`%%bash`, `%%writefile`) makes the cell not Python. */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

/** A line IPython reads as its own: `%magic`, `!shell`, `x = !ls`, `x = %time f()`, `name?` and `name??`. */
const IPYTHON_LINE = /^[ \t]*(?:[%!]|[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[%!]|[A-Za-z_][\w.]*\?\??[ \t]*\r?\n?$|\?)/;

const blank = (line: string): string => line.replace(/[^\r\n]/g, ' ');

/** The cell's text with IPython's lines turned into spaces, line ends kept; a magic line continued with `\` takes its continuation with it. */
export function pythonOfCell(text: string): string {
  const lines = text.split(/(?<=\n)/);
  const first = lines.findIndex((line) => line.trim() !== '');
  const cellMagic = first === -1 ? null : /^[ \t]*%%(\w*)/.exec(lines[first] as string);
  if (cellMagic !== null && !PYTHON_BODY_CELL_MAGICS.has(cellMagic[1] as string)) return blank(text);
  let continued = false;
  return lines
    .map((line, index) => {
      const magic = continued || IPYTHON_LINE.test(line) || (index === first && cellMagic !== null);
      continued = magic && /\\\r?\n$/.test(line);
      return magic ? blank(line) : line;
    })
    .join('');
}

/** The code cells' texts joined by a line end, each on lines of its own. */
export function notebookProgram(cells: readonly string[]): NotebookProgram {
  const parts: ProgramPart[] = [];
  let start = 0;
  for (const cell of cells) {
    parts.push({ start, length: cell.length });
    start += cell.length + 1;
  }
  return { text: cells.map(pythonOfCell).join('\n'), parts };
}

/** The cell a span of the program lies in, with the span in that cell's offsets; undefined when it spans two cells. */
export function cellSpan(parts: readonly ProgramPart[], span: Span): { readonly cell: number; readonly span: Span } | undefined {
  const cell = parts.findIndex((part) => span.start >= part.start && span.start <= part.start + part.length);
  const part = parts[cell];
  if (part === undefined || span.end > part.start + part.length) return undefined;
  return { cell, span: { start: span.start - part.start, end: span.end - part.start } };
}
