import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { TFEVENTS_FORMAT } from '../../src/core/formats/tfeventsFormat';
import { pointTuples, readInChunks, readWhole } from './formatHarness';
import { tfRecord } from '../../scripts/logWriters.mjs';
import { encodeEvent } from './tfeventsWriter';

const RECORDS = Array.from({ length: 30 }, (_, i) =>
  tfRecord(
    encodeEvent({
      wallTime: 1.7e9 + i,
      step: i * 10,
      values: i % 7 === 3 ? [{ tag: 'sample', image: 200 }, { tag: 'eval/loss', simple: 2 - i / 30 }] : [{ tag: 'train/loss', simple: 2 - i / 30 }, { tag: 'lr', floatVal: 1e-4 }],
    }),
  ),
);
/** Where each record starts, and the file. */
const STARTS = RECORDS.reduce<number[]>((starts, record, i) => [...starts, (starts[i] ?? 0) + record.length], [0]);
const LOG = Uint8Array.from(RECORDS.flatMap((record) => [...record]));
const pointsOf = (i: number): number => (i % 7 === 3 ? 1 : 2);
const pointsBefore = (record: number): number => Array.from({ length: record }, (_, i) => pointsOf(i)).reduce((a, b) => a + b, 0);

test('tfevents read in random chunk sizes gives exactly the points of one read', () => {
  const whole = pointTuples(readWhole(TFEVENTS_FORMAT, LOG).points);
  assert.equal(whole.length, pointsBefore(RECORDS.length));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      assert.deepEqual(pointTuples(readInChunks(TFEVENTS_FORMAT, LOG, sizes).points), whole);
    }),
  );
});

test('tfevents cut anywhere never throws, reports nothing, and keeps every complete record', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: LOG.length }), (cut) => {
      const complete = STARTS.filter((start, i) => i > 0 && start <= cut).length;
      const result = readWhole(TFEVENTS_FORMAT, LOG.subarray(0, cut));
      assert.equal(result.points.length, pointsBefore(complete));
      assert.deepEqual(result.problems, []);
    }),
  );
});

test('tfevents with a corrupted byte never throws; only the record it hit (or, in a length, the rest) is lost', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: LOG.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const corrupted = LOG.slice();
      corrupted[at] = (corrupted[at] as number) ^ flip;
      const hit = STARTS.findIndex((start, i) => at >= start && at < (STARTS[i + 1] ?? Infinity));
      const inHeader = at - (STARTS[hit] ?? 0) < 12;
      const result = readWhole(TFEVENTS_FORMAT, corrupted);
      const expected = inHeader ? pointsBefore(hit) : pointsBefore(RECORDS.length) - pointsOf(hit);
      assert.equal(result.points.length, expected);
      assert.equal(result.problems.length, 1);
    }),
  );
});
