import assert from 'node:assert/strict';
import test from 'node:test';
import { CONSOLE_FORMAT } from '../../src/core/formats/consoleFormat';
import { CONSOLE_METRICS_FORMAT } from '../../src/core/formats/consoleMetricsFormat';
import { JSONL_FORMAT } from '../../src/core/formats/jsonlFormat';
import { LIGHTNING_CSV_FORMAT } from '../../src/core/formats/lightningCsvFormat';
import type { AppendOnlyFormat } from '../../src/core/formats/logFormat';
import { MLFLOW_METRIC_FORMAT } from '../../src/core/formats/mlflowMetricFormat';
import { completeLines, MAX_LINE_BYTES, NO_PENDING_LINE, pendingBytes, type PendingLine } from '../../src/core/formats/textLines';
import type { MetricPoint } from '../../src/core/types';
import { pointTuples } from './formatHarness';

const encoder = new TextEncoder();
const CHUNK = 256 * 1024;

/** Reads `parts` in the reader's chunk size; `filler` stands for megabytes of one repeated byte, made chunk by chunk. */
function readStreamed<Cursor>(
  format: AppendOnlyFormat<Cursor>,
  parts: readonly (string | { readonly filler: number; readonly bytes: number })[],
  path = 'f',
): { points: MetricPoint[]; problems: string[]; cursor: Cursor } {
  let cursor = format.initialCursor;
  const points: MetricPoint[] = [];
  const problems: string[] = [];
  const feed = (chunk: Uint8Array): void => {
    const result = format.readChunk(cursor, chunk, path);
    cursor = result.cursor;
    points.push(...result.points);
    problems.push(...result.problems);
  };
  for (const part of parts) {
    if (typeof part === 'string') feed(encoder.encode(part));
    else for (let left = part.bytes; left > 0; left -= CHUNK) feed(new Uint8Array(Math.min(CHUNK, left)).fill(part.filler));
  }
  return { points, problems, cursor };
}

test('a line that never ends grows its pending bytes in place: a few doublings, not a copy per chunk', () => {
  let pending: PendingLine = NO_PENDING_LINE;
  const stores = new Set<Uint8Array>();
  let allocated = 0;
  const chunks = 200;
  for (let i = 0; i < chunks; i++) {
    pending = completeLines(pending, new Uint8Array(64 * 1024).fill(0x61 + (i % 26))).pending;
    const bytes = pending.store?.bytes ?? assert.fail('bytes are pending');
    if (!stores.has(bytes)) allocated += bytes.length;
    stores.add(bytes);
  }
  // Re-copied per chunk, 200 chunks make 200 buffers and 200 × 6.5 MB allocated; doubling makes 9 buffers, under four times the line in all.
  assert.ok(stores.size <= Math.ceil(Math.log2(chunks)) + 1, `${stores.size} buffers`);
  assert.ok(allocated <= 4 * chunks * 64 * 1024, `${allocated} bytes allocated`);
  const line = pendingBytes(pending);
  assert.equal(line.length, chunks * 64 * 1024);
  assert.equal(line[0], 0x61);
  assert.equal(line[199 * 64 * 1024], 0x61 + (199 % 26));
  const ended = completeLines(pending, encoder.encode('z\nnext'));
  assert.equal(ended.lines.length, 1);
  assert.equal(ended.lines[0]?.length, chunks * 64 * 1024 + 1);
  assert.equal(new TextDecoder().decode(pendingBytes(ended.pending)), 'next');
});

test('an older cursor appended to again sees only its own bytes, never a newer cursor\u2019s', () => {
  const first = completeLines(NO_PENDING_LINE, encoder.encode('ab')).pending;
  const grown = completeLines(first, encoder.encode('cd')).pending;
  const fromFirst = completeLines(first, encoder.encode('XY\n'));
  assert.deepEqual(fromFirst.lines, ['abXY']);
  assert.deepEqual(completeLines(grown, encoder.encode('ef\n')).lines, ['abcdef']);
});

test('a line over 16 MiB is skipped with a problem that names it, and the lines after it are read (CSV, MLflow, JSONL)', () => {
  const long = { filler: 0x39, bytes: MAX_LINE_BYTES + 1024 * 1024 };
  const csv = readStreamed(LIGHTNING_CSV_FORMAT, ['step,loss\r\n0,1.5\r\n', long, '\r\n1,0.5\r\n2,0.25\r\n'], '/r/version_0/metrics.csv');
  assert.deepEqual(pointTuples(csv.points), [
    ['loss', 0, 1.5],
    ['loss', 1, 0.5],
    ['loss', 2, 0.25],
  ]);
  assert.ok(
    csv.problems.some((problem) => problem.startsWith('Line 3 is longer than 16 MiB; it was skipped.')),
    csv.problems.join(' | '),
  );

  const mlflow = readStreamed(MLFLOW_METRIC_FORMAT, ['1000 1.5 0\n', long, '\n2000 0.5 1\n'], '/m/1/0123456789abcdef0123456789abcdef/metrics/loss');
  assert.deepEqual(pointTuples(mlflow.points), [
    ['loss', 0, 1.5],
    ['loss', 1, 0.5],
  ]);
  assert.ok(mlflow.problems.includes('Line 2 is longer than 16 MiB; it was skipped.'), mlflow.problems.join(' | '));

  const jsonl = readStreamed(JSONL_FORMAT, ['{"step": 1, "loss": 1.5}\n', long, '\n{"step": 2, "loss": 0.5}\n']);
  assert.deepEqual(pointTuples(jsonl.points), [
    ['loss', 1, 1.5],
    ['loss', 2, 0.5],
  ]);
  assert.ok(jsonl.problems.includes('Line 2 is longer than 16 MiB; it was skipped.'), jsonl.problems.join(' | '));
  assert.equal(jsonl.cursor.lineNumber, 3);
});

test('a line over the cap is reported while it is still growing, and holds no bytes', () => {
  const open = readStreamed(
    MLFLOW_METRIC_FORMAT,
    ['1000 1.5 0\n', { filler: 0x39, bytes: MAX_LINE_BYTES + 1 }],
    '/m/1/0123456789abcdef0123456789abcdef/metrics/loss',
  );
  assert.deepEqual(open.problems, ['Line 2 is longer than 16 MiB with no line break yet; its bytes are skipped up to its end.']);
  assert.equal(open.cursor.pending.store, undefined);
  assert.equal(open.cursor.pending.overlong, true);
});

test('a line over the cap inside one chunk larger than the cap is skipped alone', () => {
  const text = `step,loss\n0,1.5\n${'7'.repeat(MAX_LINE_BYTES + 10)}\n1,0.5\n`;
  const result = LIGHTNING_CSV_FORMAT.readChunk(LIGHTNING_CSV_FORMAT.initialCursor, encoder.encode(text), '/r/version_0/metrics.csv');
  assert.deepEqual(pointTuples(result.points), [
    ['loss', 0, 1.5],
    ['loss', 1, 0.5],
  ]);
  assert.deepEqual(result.problems, ['Line 3 is longer than 16 MiB; it was skipped.']);
});

test('console logs: tqdm redraws (`\\r`) end lines, so megabytes of a bar with no newline keep one redraw pending, and the dicts around it are read', () => {
  const redraws: string[] = [];
  for (let i = 0; i < 40_000; i++) redraws.push(`\r ${i % 100}%|####      | ${i}/40000 [00:10<00:12, 12.3it/s]`);
  const bar = redraws.join('');
  const parts: string[] = ["{'loss': 2.5, 'learning_rate': 1e-05, 'epoch': 0.1}\n"];
  for (let at = 0; at < bar.length; at += 4096) parts.push(bar.slice(at, at + 4096));
  parts.push("\n{'loss': 2.0, 'learning_rate': 1e-05, 'epoch': 0.2}\r\n");
  const result = readStreamed(CONSOLE_FORMAT, parts);
  assert.deepEqual(pointTuples(result.points), [
    ['loss', 1, 2.5],
    ['learning_rate', 1, 1e-5],
    ['loss', 2, 2.0],
    ['learning_rate', 2, 1e-5],
  ]);
  assert.deepEqual(result.problems, []);
  const waiting = readStreamed(CONSOLE_FORMAT, parts.slice(0, -1));
  assert.ok(waiting.cursor.pendingBytes.length < 100, `${waiting.cursor.pendingBytes.length} bytes pending`);
});

test('console logs: a line over 16 MiB with no line end at all is skipped with a problem; the metrics block after it is read', () => {
  const result = readStreamed(CONSOLE_FORMAT, [
    "{'loss': 2.5, 'epoch': 0.1}\n",
    { filler: 0x23, bytes: MAX_LINE_BYTES + CHUNK },
    "\n{'loss': 2.0, 'epoch': 0.2}\n",
  ]);
  assert.deepEqual(pointTuples(result.points), [
    ['loss', 1, 2.5],
    ['loss', 2, 2.0],
  ]);
  assert.deepEqual(result.problems, [
    'A line is longer than 16 MiB with no line break yet; its bytes are skipped up to its end.',
    'A line is longer than 16 MiB; it was skipped.',
  ]);
  const finals = readStreamed(CONSOLE_METRICS_FORMAT, [{ filler: 0x23, bytes: MAX_LINE_BYTES + CHUNK }, '\n***** eval metrics *****\n  eval_samples = 12\n']);
  assert.deepEqual(pointTuples(finals.points.slice(-1)), [['eval_samples', 0, 12]]);
});
