import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { parsePythonNumber, splitCsvLine } from './csvRows';
import type { AppendOnlyFormat } from './logFormat';
import { completeLines, NO_PENDING_LINE, overlongProblems, type PendingLine } from './textLines';
import { ownString } from '../ownString';

/**
 * Where reading a Lightning `metrics.csv` stopped: its header once read, and the bytes of an unfinished row.
 * When a metric first appears, Lightning rewrites the file with a wider header; the reader sees its first
 * bytes change (`headBytes`) and starts again from `initialCursor`, so the header here is always current.
 */
export interface LightningCsvCursor {
  readonly columns: readonly string[] | undefined;
  readonly lineNumber: number;
  readonly pending: PendingLine;
}

const INITIAL: LightningCsvCursor = { columns: undefined, lineNumber: 0, pending: NO_PENDING_LINE };
const decoder = new TextDecoder('utf-8');

/** One sparse row: an empty cell is a metric not logged in that flush group, not a zero. */
function rowPoints(columns: readonly string[], cells: readonly string[], stepIndex: number, epochIndex: number, points: MetricPoint[]): string | undefined {
  if (cells.length !== columns.length) return `has ${cells.length} cells for ${columns.length} columns`;
  const step = parsePythonNumber(cells[stepIndex] ?? '');
  if (step === undefined || !Number.isFinite(step)) return 'has no step';
  const epoch = epochIndex < 0 ? undefined : parsePythonNumber(cells[epochIndex] ?? '');
  for (let i = 0; i < columns.length; i++) {
    if (i === stepIndex || i === epochIndex) continue;
    const value = parsePythonNumber(cells[i] ?? '');
    if (value === undefined) continue;
    const point: { key: string; step: number; value: number; epoch?: number } = { key: columns[i] ?? '', step, value };
    if (epoch !== undefined && Number.isFinite(epoch)) point.epoch = epoch;
    points.push(point);
  }
  return undefined;
}

export function readLightningCsvChunk(
  cursor: LightningCsvCursor,
  chunk: Uint8Array,
): { points: MetricPoint[]; cursor: LightningCsvCursor; problems: string[] } {
  const { lines, overlong, pending } = completeLines(cursor.pending, chunk);
  const points: MetricPoint[] = [];
  const problems = overlongProblems(overlong, lines.length, cursor.lineNumber + 1);
  let { columns, lineNumber } = cursor;
  let stepIndex = columns?.indexOf('step') ?? -1;
  const epochIndex = (): number => columns?.indexOf('epoch') ?? -1;
  let epochAt = epochIndex();
  for (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (columns === undefined) {
      // Kept by the cursor for the file's life: copies, not cuts of the chunk's text that would keep all of it.
      columns = cells.map(ownString);
      stepIndex = columns.indexOf('step');
      epochAt = epochIndex();
      if (stepIndex < 0) problems.push('The header has no `step` column, so its rows cannot be placed on the step axis.');
      continue;
    }
    if (stepIndex < 0) continue;
    const problem = rowPoints(columns, cells, stepIndex, epochAt, points);
    if (problem !== undefined) problems.push(`Row ${lineNumber} ${problem}; it was skipped.`);
  }
  return { points, problems, cursor: { columns, lineNumber, pending } };
}

/** Lightning's CSVLogger writes `step` in every row; a CSV without it in its header is some other table. */
function sniffHeader(head: Uint8Array): 'log' | 'not-a-log' | 'need-more' {
  const text = decoder.decode(head);
  const newline = text.indexOf('\n');
  if (newline < 0) return 'need-more';
  const columns = splitCsvLine(text.slice(0, newline));
  return columns.includes('step') && columns.every((column) => parsePythonNumber(column) === undefined) ? 'log' : 'not-a-log';
}

/**
 * PyTorch Lightning's CSVLogger: `<save_dir>/<name>/version_<N>/metrics.csv`; the version folder is the run.
 * A copy saved under another name (`run3_metrics.csv`) shares its folder with others, so it is a run of its own.
 */
function classifyMetricsCsv(path: string): { format: string; runDirectory: string } | undefined {
  const name = baseName(path);
  if (name === 'metrics.csv') return { format: 'lightning-csv', runDirectory: parentOf(path) };
  return name.endsWith('metrics.csv') ? { format: 'lightning-csv', runDirectory: path } : undefined;
}

export const LIGHTNING_CSV_FORMAT: AppendOnlyFormat<LightningCsvCursor> = {
  id: 'lightning-csv',
  label: 'Lightning metrics.csv',
  kind: 'append',
  initialCursor: INITIAL,
  // Lightning rewrites the file whole when a column appears; a header of hundreds of columns must still be compared.
  headBytes: 64 * 1024,
  classify: classifyMetricsCsv,
  sniff: sniffHeader,
  readChunk: (cursor, chunk) => readLightningCsvChunk(cursor, chunk),
};
