import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import type { AppendOnlyFormat, ColumnChunkResult } from '../../src/core/formats/logFormat';
import { JSONL_FORMAT } from '../../src/core/formats/jsonlFormat';
import { TFEVENTS_FORMAT } from '../../src/core/formats/tfeventsFormat';
import { isExportedColumns, PointColumns } from '../../src/core/pointColumns';
import { RunStore, type RunSnapshot } from '../../src/core/runStore';
import { SortedSeries } from '../../src/core/sortedSeries';
import type { MetricPoint } from '../../src/core/types';
import { eventFile } from './tfeventsWriter';

/** A snapshot as plain data: every series, the axes, and per key the growth the analysis cache resumes from. */
function plain(snapshot: RunSnapshot | undefined): unknown {
  if (snapshot === undefined) return undefined;
  const series = (s: { steps: readonly number[]; values: readonly number[] }): unknown => ({ steps: [...s.steps], values: [...s.values] });
  return {
    metrics: [...snapshot.metrics].map(([key, s]) => [key, series(s)]),
    epoch: series(snapshot.axes?.epoch ?? { steps: [], values: [] }),
    wallTime: series(snapshot.axes?.wallTime ?? { steps: [], values: [] }),
    growth: [...(snapshot.growth ?? [])].map(([key, g]) => [key, [...g.steps], g.rewrites]),
  };
}

/**
 * Reads `bytes` in chunks of `sizes` (cycled) into two stores, one through `readChunk` and `addPoints` of the
 * objects, one through `readColumns` and the columns; a chunk of `replaceAt` replaces the source, as a
 * restarted file's first read does. Every chunk must change the two stores alike and leave them equal.
 */
function assertSameStores<Cursor>(
  format: AppendOnlyFormat<Cursor>,
  bytes: Uint8Array,
  sizes: readonly number[],
  before: readonly MetricPoint[],
  replaceAt: number,
  path: string,
): void {
  const readColumns = format.readColumns;
  assert.ok(readColumns !== undefined);
  const source = { path, format: format.id };
  const byPoints = new RunStore();
  const byColumns = new RunStore();
  byPoints.addPoints('/run', source, before);
  byColumns.addPoints('/run', source, before);
  let pointCursor: Cursor = format.initialCursor;
  let columnCursor: Cursor = format.initialCursor;
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    const chunk = bytes.subarray(offset, offset + size);
    const points = format.readChunk(pointCursor, chunk, path);
    const columns: ColumnChunkResult<Cursor> = readColumns(columnCursor, chunk, path);
    pointCursor = points.cursor;
    columnCursor = columns.cursor;
    const replace = i === replaceAt;
    const changedByPoints = replace ? byPoints.replaceSource('/run', source, points.points) : byPoints.addPoints('/run', source, points.points);
    const changedByColumns: boolean = replace ? byColumns.replaceSource('/run', source, columns.columns) : byColumns.addPoints('/run', source, columns.columns);
    assert.equal(changedByColumns, changedByPoints);
    assert.deepEqual(plain(byColumns.snapshot('/run')), plain(byPoints.snapshot('/run')));
    offset += size;
  }
  byPoints.settle('/run');
  byColumns.settle('/run');
  assert.deepEqual(plain(byColumns.snapshot('/run')), plain(byPoints.snapshot('/run')));
}

const tags = ['loss', 'lr', 'eval/loss', 'grad_norm'];
const event = fc.record(
  {
    // A few wall times repeat and a step may come back or go back: axes and series see rewrites and inserts too.
    wallTime: fc.oneof(fc.constantFrom(1, 2), fc.double({ noNaN: true, min: 0, max: 2e9 })),
    step: fc.oneof(fc.nat(30), fc.integer({ min: 0, max: 2 ** 40 })),
    values: fc.array(
      fc.oneof(
        fc.record({ tag: fc.constantFrom(...tags), simple: fc.float({ noDefaultInfinity: false }) }),
        fc.record({ tag: fc.constantFrom(...tags), floatVal: fc.float() }),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);
const earlier = fc.array(fc.record({ key: fc.constantFrom(...tags), step: fc.nat(40), value: fc.double() }, { requiredKeys: ['key', 'step', 'value'] }), {
  maxLength: 6,
});

test('TensorBoard events read as columns give the store the events read as points give it, in any chunks, after any earlier points', () => {
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
      earlier,
      fc.integer({ min: -1, max: 4 }),
      fc.constantFrom('/run/events.out.tfevents.1', '/run/train/events.out.tfevents.1'),
      (events, sizes, before, replaceAt, path) => assertSameStores(TFEVENTS_FORMAT, eventFile(events), sizes, before, replaceAt, path),
    ),
    { numRuns: 300 },
  );
});

test('JSONL read as columns gives the store what JSONL read as points gives it, in any chunks, after any earlier points', () => {
  const line = fc.oneof(
    fc
      .record(
        {
          // A step that comes back or goes back, epochs and wall times that change within a step.
          step: fc.nat(30),
          loss: fc.oneof(fc.double(), fc.constant('1.5'), fc.constant(null)),
          lr: fc.double({ noNaN: true }),
          epoch: fc.double({ noNaN: true, min: 0, max: 10 }),
          _timestamp: fc.double({ noNaN: true, min: 0, max: 2e9 }),
          timestamp: fc.constantFrom(1, 2),
        },
        { requiredKeys: ['step'] },
      )
      .map((record) => JSON.stringify(record)),
    fc.constantFrom('', '{"step": 2, "loss": NaN, "epoch": 1}', '\ufeff{"step": 1, "lr": 2}', '[1, 2]', '{"step": 4, "loss": 1', '{"loss": 1}'),
  );
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }),
      earlier,
      fc.integer({ min: -1, max: 4 }),
      (lines, sizes, before, replaceAt) =>
        assertSameStores(JSONL_FORMAT, new TextEncoder().encode(lines.map((text) => `${text}\n`).join('')), sizes, before, replaceAt, '/run/metrics.jsonl'),
    ),
    { numRuns: 300 },
  );
});

test('setAll on a series is set for each point in turn: the same points, the same changes, the same rewrites', () => {
  const step = fc.oneof(fc.nat(20), fc.constantFrom(NaN, -Infinity, Infinity, -0));
  fc.assert(
    fc.property(fc.array(fc.tuple(step, fc.double()), { maxLength: 20 }), fc.array(fc.tuple(step, fc.double()), { maxLength: 40 }), (first, then) => {
      const one = new SortedSeries();
      const all = new SortedSeries();
      for (const [s, v] of first) {
        one.set(s, v);
        all.set(s, v);
      }
      let changed = false;
      for (const [s, v] of then) changed = one.set(s, v) || changed;
      assert.equal(
        all.setAll(
          Float64Array.from(then, ([s]) => s),
          Float64Array.from(then, ([, v]) => v),
          then.length,
        ),
        changed,
      );
      assert.deepEqual([all.steps, all.values, all.rewrites], [one.steps, one.values, one.rewrites]);
    }),
  );
});

test('columns give back the points in the order they were added, each with the epoch and wall time it had and no other', () => {
  const point = fc.record(
    { key: fc.constantFrom('a', 'b', 'c'), step: fc.double(), value: fc.double(), epoch: fc.double(), wallTime: fc.double() },
    { requiredKeys: ['key', 'step', 'value'] },
  );
  fc.assert(
    fc.property(fc.array(point, { maxLength: 2000 }), (points) => {
      const columns = new PointColumns();
      for (const p of points) columns.add(p.key, p.step, p.value, p.epoch, p.wallTime);
      assert.deepEqual(
        columns.toPoints(),
        points.map((p) => ({ ...p })),
      );
      assert.equal(columns.size, points.length);
      assert.equal(
        columns.maxStep,
        points.reduce((max, p) => (p.step > max ? p.step : max), -Infinity),
      );
    }),
    { numRuns: 50 },
  );
});

test('columns with another thread’s exported columns appended hold what one columns given every point holds', () => {
  const point = fc.record(
    { key: fc.constantFrom('a', 'b', 'c', 'd'), step: fc.oneof(fc.double(), fc.nat(50)), value: fc.double(), epoch: fc.double(), wallTime: fc.double() },
    { requiredKeys: ['key', 'step', 'value'] },
  );
  fc.assert(
    fc.property(fc.array(point, { maxLength: 1500 }), fc.array(point, { maxLength: 1500 }), fc.nat(3), (head, tail, capacity) => {
      const whole = new PointColumns();
      for (const p of [...head, ...tail]) whole.add(p.key, p.step, p.value, p.epoch, p.wallTime);
      // Small first capacities make the append grow the arrays more than once.
      const joined = new PointColumns(capacity * 200, capacity * 200);
      for (const p of head) joined.add(p.key, p.step, p.value, p.epoch, p.wallTime);
      const other = new PointColumns();
      for (const p of tail) other.add(p.key, p.step, p.value, p.epoch, p.wallTime);
      joined.appendExported(other.exported());
      assert.deepEqual(joined.toPoints(), whole.toPoints());
      assert.deepEqual(joined.columns, whole.columns);
      assert.equal(joined.size, whole.size);
      assert.equal(joined.maxStep, whole.maxStep);
      assert.equal(joined.hasAxes, whole.hasAxes);
      const axes = (columns: PointColumns): unknown => {
        const epoch = new SortedSeries();
        const wallTime = new SortedSeries();
        columns.writeAxes(epoch, wallTime);
        return [epoch.steps, epoch.values, wallTime.steps, wallTime.values];
      };
      assert.deepEqual(axes(joined), axes(whole));
    }),
    { numRuns: 60 },
  );
});

test('exported columns whose points name an epoch or wall time array that was not sent are refused', () => {
  const columns = new PointColumns();
  columns.add('loss', 1, 0.5, 0.1, undefined);
  columns.add('loss', 2, 0.4, undefined, 17);
  const exported = columns.exported();
  assert.equal(isExportedColumns(exported), true);
  assert.equal(isExportedColumns({ ...exported, epochs: undefined }), false);
  assert.equal(isExportedColumns({ ...exported, wallTimes: undefined }), false);
  assert.equal(isExportedColumns({ ...exported, fields: Uint8Array.of(4, 0) }), false);
});
