import type { MetricPoint } from '../types';
import { parseNumber } from './consoleLines';

/**
 * The progress table of transformers' NotebookProgressCallback (utils/notebook.py, the same in 4.57 and 5.x):
 * an HTML `<table>` whose first row names the columns (`Step` or `Epoch`, `Training Loss`, `Validation Loss`,
 * then one column per evaluation metric), values written `f"{v:.6f}"`, and `No log` (`No Log` when a row
 * lacks a column) where there is no value. 5.x also draws a table of its own, with no progress bar, for an
 * evaluation outside training (`Training Loss`, `Validation Loss`, `Step` in that order).
 */
export interface HfTable {
  readonly x: 'step' | 'epoch';
  readonly xReason: string;
  readonly points: MetricPoint[];
  /** Drawn with no progress bar: an evaluation after (or without) training, not a training of its own. */
  readonly standalone: boolean;
}

const NO_VALUE = /^no log$/i;
const STEP_REASON = "the table's Step column";
const EPOCH_REASON = 'the table has an Epoch column and no Step column (evaluation every epoch)';

/**
 * The callback names an evaluation metric's column by dropping the key's first word (`eval`) and capitalizing
 * the others (`eval_mean_token_accuracy` → `Mean Token Accuracy`), and `eval_loss` → `Validation Loss`.
 * Putting `eval_` back and lowering the case gives the key every other reader of the run writes, so roles and
 * accuracy definitions come out as for a trainer_state.json (a key with capitals, `eval_rougeL`, comes back lower-case).
 */
export function tableColumnKey(column: string): string {
  if (column === 'Training Loss') return 'loss';
  if (column === 'Validation Loss') return 'eval_loss';
  return `eval_${column.trim().toLowerCase().split(/\s+/).join('_')}`;
}

function isHfHeader(columns: readonly string[]): boolean {
  return (columns.includes('Step') || columns.includes('Epoch')) && (columns.includes('Training Loss') || columns.includes('Validation Loss'));
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function cellText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
    .trim();
}

const CELL = /<(?:th|td)\b[^>]*>([\s\S]*?)<\/(?:th|td)>/gi;

function cells(rowHtml: string): string[] {
  return [...rowHtml.matchAll(CELL)].map((match) => cellText(match[1] ?? ''));
}

interface RawTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Rows into points: the Step (else Epoch) column is the x; a value that is neither a number nor `No log` is counted as unreadable. */
function tablePoints(table: RawTable, standalone: boolean): { table: HfTable; unreadable: number } {
  const stepColumn = table.columns.indexOf('Step');
  const epochColumn = table.columns.indexOf('Epoch');
  const xColumn = stepColumn >= 0 ? stepColumn : epochColumn;
  const byEpoch = stepColumn < 0;
  const keys = table.columns.map(tableColumnKey);
  const lossColumn = table.columns.indexOf('Training Loss');
  const points: MetricPoint[] = [];
  let unreadable = 0;
  let lastLoss: string | undefined;
  for (const row of table.rows) {
    const x = parseNumber(row[xColumn] ?? '');
    if (x === undefined || !Number.isFinite(x)) {
      unreadable++;
      continue;
    }
    const epochText = epochColumn >= 0 ? row[epochColumn] : undefined;
    const epoch = epochText === undefined ? undefined : parseNumber(epochText);
    // Each row repeats the last train loss logged until the next log (logging_steps above eval_steps): a loss the
    // row before showed is that same log, not a new one at this row's step.
    const loss = row[lossColumn];
    const repeatedLoss = loss !== undefined && loss === lastLoss;
    if (loss !== undefined) lastLoss = loss;
    row.forEach((text, column) => {
      if (column === stepColumn || column === epochColumn || NO_VALUE.test(text) || text === '') return;
      if (column === lossColumn && repeatedLoss) return;
      const value = parseNumber(text);
      const key = keys[column];
      if (value === undefined || key === undefined) {
        unreadable++;
        return;
      }
      points.push(epoch === undefined ? { key, step: x, value } : { key, step: x, value, epoch });
    });
  }
  return { table: { x: byEpoch ? 'epoch' : 'step', xReason: byEpoch ? EPOCH_REASON : STEP_REASON, points, standalone }, unreadable };
}

function htmlTables(html: string): RawTable[] {
  const tables: RawTable[] = [];
  for (const match of html.matchAll(/<table\b[^>]*>([\s\S]*?)<\/table>/gi)) {
    const rows = [...(match[1] ?? '').matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)].map((row) => row[1] ?? '');
    const header = rows[0];
    if (header === undefined) continue;
    const columns = cells(header);
    if (!isHfHeader(columns)) continue;
    tables.push({ columns, rows: rows.slice(1).map((row) => cells(row)) });
  }
  return tables;
}

/** Columns of a plain-text table: tab-separated where it has tabs, else two or more spaces apart (`No log`, `Training Loss` hold one). */
function plainCells(line: string): string[] {
  const trimmed = line.trim();
  return (trimmed.includes('\t') ? trimmed.split('\t') : trimmed.split(/\s{2,}/)).map((cell) => cell.trim());
}

/** The same table as text (copied out of the page, or printed): a header line of the column names, one line per row. */
function plainTables(text: string): RawTable[] {
  const tables: RawTable[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const columns = plainCells(lines[i] ?? '');
    if (!isHfHeader(columns)) continue;
    const rows: string[][] = [];
    while (i + 1 < lines.length && (lines[i + 1] ?? '').trim() !== '') {
      let row = plainCells(lines[i + 1] ?? '');
      // pandas prints a row index first.
      if (row.length === columns.length + 1 && /^\d+$/.test(row[0] ?? '')) row = row.slice(1);
      if (row.length !== columns.length) break;
      rows.push(row);
      i++;
    }
    tables.push({ columns, rows });
  }
  return tables;
}

/** The Trainer's tables in one display output (its `text/html` or `text/plain` form), and what in them could not be read. */
export function hfTables(text: string, mime: string): { tables: HfTable[]; problems: string[] } {
  const html = mime === 'text/html';
  // Cheap test first: most outputs are not the Trainer's table.
  if (!text.includes('Loss')) return { tables: [], problems: [] };
  const raw = html ? htmlTables(text) : plainTables(text);
  const standalone = !(html && /<progress\b/i.test(text));
  const tables: HfTable[] = [];
  const problems: string[] = [];
  for (const table of raw) {
    const { table: read, unreadable } = tablePoints(table, standalone);
    tables.push(read);
    if (unreadable > 0)
      problems.push(
        `${unreadable === 1 ? '1 value' : `${unreadable} values`} of the Trainer's table (columns ${table.columns.join(', ')}) ${unreadable === 1 ? 'is' : 'are'} neither a number nor "No log": left out.`,
      );
  }
  return { tables, problems };
}
