import type { AppendOnlyFormat } from '../../src/core/formats/logFormat';
import type { MetricPoint } from '../../src/core/types';

export interface ReadResult {
  readonly points: MetricPoint[];
  readonly problems: string[];
}

/** Feeds `bytes` to an append-only format in chunks of the given sizes (cycled), as a growing file would arrive. */
export function readInChunks<Cursor>(format: AppendOnlyFormat<Cursor>, bytes: Uint8Array, sizes: readonly number[], path = 'log'): ReadResult {
  let cursor = format.initialCursor;
  const points: MetricPoint[] = [];
  const problems: string[] = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes.length === 0 ? bytes.length : (sizes[i % sizes.length] ?? 1));
    const result = format.readChunk(cursor, bytes.subarray(offset, offset + size), path);
    cursor = result.cursor;
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
