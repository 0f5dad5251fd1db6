import { parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { PointColumns, PointList, type PointWriter } from '../pointColumns';
import type { AppendOnlyFormat, ColumnChunkResult } from './logFormat';
import { FlatLineReader } from './jsonlFlatLine';
import { parseLenientJson } from './lenientJson';
import { isRecord, readStep, recordToPoints, writeRecordPoints } from './metricRecord';
import { completeEndedText, MAX_LINE_BYTES, NO_PENDING_LINE, type PendingLine } from './textLines';

/**
 * Where reading a JSONL log stopped. Bytes after the last newline wait in `pendingBytes` until their line
 * is complete, so a line cut in the middle of a UTF-8 character or a number is never read half-written.
 */
export interface JsonlCursor {
  readonly offset: number;
  readonly lineNumber: number;
  readonly pendingBytes: PendingLine;
}

export interface JsonlChunkResult {
  readonly points: MetricPoint[];
  readonly cursor: JsonlCursor;
  /** Lines that are complete but unusable, by line number (1-based). */
  readonly badLines: readonly { readonly line: number; readonly message: string }[];
}

export const EMPTY_JSONL_CURSOR: JsonlCursor = { offset: 0, lineNumber: 0, pendingBytes: NO_PENDING_LINE };

const decoder = new TextDecoder('utf-8');
const NEWLINE = 10;

/** Parses one complete line. Lines without a step are not metric records (headers, config dumps) and yield nothing. */
export function parseJsonlLine(line: string): { points: MetricPoint[] } | { error: string } {
  const trimmed = line.trim();
  if (trimmed === '') return { points: [] };
  let value: unknown;
  try {
    value = parseLenientJson(trimmed);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!isRecord(value)) return { error: 'not a JSON object' };
  const step = readStep(value);
  return { points: step === undefined ? [] : recordToPoints(value, step) };
}

/**
 * `parseJsonlLine` into the chunk's own writer, for a line the flat reader left (a string value, a nested one):
 * strict `JSON.parse` first (no trim, no lenient wrapper, no array per line); any other line takes the full
 * path. Returns an error.
 */
function addLinePoints(line: string, writer: PointWriter): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    const parsed = parseJsonlLine(line);
    if ('error' in parsed) return parsed.error;
    for (const point of parsed.points) writer.add(point.key, point.step, point.value, point.epoch, point.wallTime);
    return undefined;
  }
  if (!isRecord(value)) return 'not a JSON object';
  const step = readStep(value);
  if (step !== undefined) writeRecordPoints(value, step, writer);
  return undefined;
}

/** Reads the bytes appended since `cursor`: the cost depends on the chunk, never on the size of the file. */
export function readJsonlChunk(cursor: JsonlCursor, chunk: Uint8Array): JsonlChunkResult {
  const list = new PointList();
  return { points: list.points, ...readJsonl(cursor, chunk, list) };
}

/** `readJsonlChunk` with the points as columns: no object per point. */
export function readJsonlColumns(cursor: JsonlCursor, chunk: Uint8Array): Omit<JsonlChunkResult, 'points'> & { readonly columns: PointColumns } {
  // A metric takes 20 bytes or more of a line (`"loss": 1.83230, ` and its share of the step).
  const columns = new PointColumns(chunk.length / 20);
  return { columns, ...readJsonl(cursor, chunk, columns) };
}

function readJsonl(cursor: JsonlCursor, chunk: Uint8Array, writer: PointWriter): Omit<JsonlChunkResult, 'points'> {
  const { ended: text, overlong, pending } = completeEndedText(cursor.pendingBytes, chunk);
  const badLines: { line: number; message: string }[] = [];
  let lineNumber = cursor.lineNumber;
  if (text !== undefined) {
    const flat = new FlatLineReader(writer);
    // Lines are read in place one by one rather than split into an array first: a chunk holds thousands. Every
    // line of `text` ends with `\n`, the last one too.
    for (let start = 0; start < text.length; lineNumber++) {
      // An empty line is a line skipped for its length, or no record: nothing to parse either way.
      let end = text.charCodeAt(start) === NEWLINE ? start : flat.longNumbers ? -1 : flat.read(text, start);
      if (end < 0) {
        end = text.indexOf('\n', start);
        const error = addLinePoints(text.slice(start, end), writer);
        if (error !== undefined) badLines.push({ line: lineNumber + 1, message: error });
      }
      start = end + 1;
    }
  }
  for (const index of overlong) badLines.push({ line: cursor.lineNumber + index + 1, message: `longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB` });
  return { badLines, cursor: { offset: cursor.offset + chunk.length, lineNumber, pendingBytes: pending } };
}

/** True when a file's first complete line looks like a metric log (it has a step and a number), so datasets in JSONL are never read whole. */
export function looksLikeJsonlMetricLog(head: string): boolean {
  for (const line of head.split('\n').slice(0, 5)) {
    const parsed = parseJsonlLine(line);
    if ('points' in parsed && parsed.points.length > 0) return true;
  }
  return false;
}

/** JSONL metric logs (one JSON object per line with a step): any `*.jsonl` whose first lines say so. */
export const JSONL_FORMAT: AppendOnlyFormat<JsonlCursor> = {
  id: 'jsonl',
  label: 'JSONL log',
  kind: 'append',
  initialCursor: EMPTY_JSONL_CURSOR,
  classify: (path) => (path.endsWith('.jsonl') ? { format: 'jsonl', runDirectory: parentOf(path) } : undefined),
  sniff(head) {
    const text = decoder.decode(head);
    if (!text.includes('\n')) return 'need-more';
    return looksLikeJsonlMetricLog(text) ? 'log' : 'not-a-log';
  },
  readChunk(cursor, chunk) {
    const result = readJsonlChunk(cursor, chunk);
    return { points: result.points, cursor: result.cursor, problems: badLineProblems(result.badLines) };
  },
  readColumns(cursor, chunk): ColumnChunkResult<JsonlCursor> {
    const result = readJsonlColumns(cursor, chunk);
    return { columns: result.columns, cursor: result.cursor, problems: badLineProblems(result.badLines) };
  },
};

function badLineProblems(badLines: JsonlChunkResult['badLines']): string[] {
  return badLines.map((bad) => `Line ${bad.line} is ${bad.message}; it was skipped.`);
}
