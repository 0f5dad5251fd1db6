import assert from 'node:assert/strict';
import test from 'node:test';
import { TFEVENTS_FORMAT } from '../../src/core/formats/tfeventsFormat';
import fc from 'fast-check';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, pointTuples, readInChunks, readWhole } from './formatHarness';
import { tfRecord } from '../../scripts/logWriters.mjs';
import { encodeEvent } from './tfeventsWriter';

const RECORDS = Array.from({ length: 30 }, (_, i) =>
  tfRecord(
    encodeEvent({
      wallTime: 1.7e9 + i,
      step: i * 10,
      values:
        i % 7 === 3
          ? [
              { tag: 'sample', image: 200 },
              { tag: 'eval/loss', simple: 2 - i / 30 },
            ]
          : [
              { tag: 'train/loss', simple: 2 - i / 30 },
              { tag: 'lr', floatVal: 1e-4 },
            ],
    }),
  ),
);
/** Where each record starts, and the file. */
const STARTS = RECORDS.reduce<number[]>((starts, record, i) => [...starts, (starts[i] ?? 0) + record.length], [0]);
const LOG = Uint8Array.from(RECORDS.flatMap((record) => [...record]));
const pointsOf = (i: number): number => (i % 7 === 3 ? 1 : 2);
const pointsBefore = (record: number): number => Array.from({ length: record }, (_, i) => pointsOf(i)).reduce((a, b) => a + b, 0);

test('tfevents read in random chunk sizes gives exactly the points of one read', () => {
  assert.equal(readWhole(TFEVENTS_FORMAT, LOG).points.length, pointsBefore(RECORDS.length));
  assertChunkSizesDoNotMatter(TFEVENTS_FORMAT, LOG, { maxChunk: 300 });
});

test('tfevents cut anywhere never throws, reports nothing, and keeps every complete record', () => {
  forEveryCut(TFEVENTS_FORMAT, LOG, (result, cut) => {
    const complete = STARTS.filter((start, i) => i > 0 && start <= cut).length;
    assert.equal(result.points.length, pointsBefore(complete));
    assert.deepEqual(result.problems, []);
  });
});

test('tfevents with a corrupted byte never throws; only the record it hit (or, in a length, the rest) is lost', () => {
  forEveryCorruptedByte(TFEVENTS_FORMAT, LOG, (result, at) => {
    const hit = STARTS.findIndex((start, i) => at >= start && at < (STARTS[i + 1] ?? Infinity));
    const inHeader = at - (STARTS[hit] ?? 0) < 12;
    const expected = inHeader ? pointsBefore(hit) : pointsBefore(RECORDS.length) - pointsOf(hit);
    assert.equal(result.points.length, expected);
    assert.equal(result.problems.length, 1);
  });
});

test('tfevents with a corrupted byte, read in chunks that cut headers anywhere, gives the points and problems of one read', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: LOG.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 12 }),
      (at, flip, sizes) => {
        const corrupted = LOG.slice();
        corrupted[at] = (corrupted[at] as number) ^ flip;
        const whole = readWhole(TFEVENTS_FORMAT, corrupted);
        const chunked = readInChunks(TFEVENTS_FORMAT, corrupted, sizes);
        assert.deepEqual(pointTuples(chunked.points), pointTuples(whole.points));
        assert.deepEqual(chunked.problems, whole.problems);
      },
    ),
    { numRuns: 300 },
  );
});
