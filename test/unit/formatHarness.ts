import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AppendOnlyFormat } from '../../src/core/formats/logFormat';
import type { MetricPoint } from '../../src/core/types';

export interface ReadResult {
  readonly points: MetricPoint[];
  readonly problems: string[];
}

/**
 * Feeds `bytes` to an append-only format in chunks of the given sizes (cycled), as a growing file would arrive.
 * A format that also reads into columns is read both ways, chunk for chunk, and must give the same points in
 * the same order and the same problems: every test of a format holds its column path too.
 */
export function readInChunks<Cursor>(format: AppendOnlyFormat<Cursor>, bytes: Uint8Array, sizes: readonly number[], path = 'log'): ReadResult {
  let cursor = format.initialCursor;
  let columnCursor = format.initialCursor;
  const points: MetricPoint[] = [];
  const problems: string[] = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes.length === 0 ? bytes.length : (sizes[i % sizes.length] ?? 1));
    const chunk = bytes.subarray(offset, offset + size);
    const result = format.readChunk(cursor, chunk, path);
    cursor = result.cursor;
    if (format.readColumns !== undefined) {
      const columns = format.readColumns(columnCursor, chunk, path);
      columnCursor = columns.cursor;
      assert.deepEqual(columns.columns.toPoints(), result.points);
      assert.deepEqual(columns.problems, result.problems);
      assert.deepEqual(columns.runInfo, result.runInfo);
    }
    points.push(...result.points);
    problems.push(...result.problems);
    offset += size;
  }
  return { points, problems };
}

/** The whole file in one read. */
export function readWhole<Cursor>(format: AppendOnlyFormat<Cursor>, bytes: Uint8Array, path = 'log'): ReadResult {
  return readInChunks(format, bytes, [bytes.length], path);
}

/** Points as comparable tuples, order kept. */
export function pointTuples(points: readonly MetricPoint[]): Array<[string, number, number]> {
  return points.map((point) => [point.key, point.step, point.value]);
}

/** fast-check's run count (its default unless given) and the path the format is told it reads. */
export interface PropertyOptions {
  readonly numRuns?: number;
  readonly path?: string;
}

const runs = (options: PropertyOptions): { numRuns?: number } => (options.numRuns === undefined ? {} : { numRuns: options.numRuns });

/**
 * Read in any chunk sizes (up to `maxChunk` bytes, up to `maxChunks` sizes cycled), `bytes` give exactly the
 * points of one read: a record split anywhere waits in the cursor for the rest.
 */
export function assertChunkSizesDoNotMatter<Cursor>(
  format: AppendOnlyFormat<Cursor>,
  bytes: Uint8Array,
  options: PropertyOptions & { readonly maxChunk?: number; readonly maxChunks?: number } = {},
): void {
  const whole = pointTuples(readWhole(format, bytes, options.path).points);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: options.maxChunk ?? 97 }), { minLength: 1, maxLength: options.maxChunks ?? 20 }), (sizes) => {
      assert.deepEqual(pointTuples(readInChunks(format, bytes, sizes, options.path).points), whole);
    }),
    runs(options),
  );
}

/** Every prefix of `bytes` (a file caught mid-write) reads without throwing; `check` judges what the first `cut` bytes gave. */
export function forEveryCut<Cursor>(
  format: AppendOnlyFormat<Cursor>,
  bytes: Uint8Array,
  check: (result: ReadResult, cut: number) => void,
  options: PropertyOptions = {},
): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bytes.length }), (cut) => check(readWhole(format, bytes.subarray(0, cut), options.path), cut)),
    runs(options),
  );
}

/**
 * `bytes` with one byte (at `from` or after: a header the format needs intact is left alone) changed to any
 * other value read without throwing; `check` judges what was read.
 */
export function forEveryCorruptedByte<Cursor>(
  format: AppendOnlyFormat<Cursor>,
  bytes: Uint8Array,
  check: (result: ReadResult, at: number) => void,
  options: PropertyOptions & { readonly from?: number } = {},
): void {
  fc.assert(
    fc.property(fc.integer({ min: options.from ?? 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const corrupted = bytes.slice();
      corrupted[at] = (corrupted[at] as number) ^ flip;
      check(readWhole(format, corrupted, options.path), at);
    }),
    runs(options),
  );
}
