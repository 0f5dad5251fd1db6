import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { CONSOLE_FORMAT } from '../../src/core/formats/consoleFormat';
import { pointTuples, readInChunks, readWhole } from './formatHarness';

const encoder = new TextEncoder();
const LINES = Array.from({ length: 40 }, (_, i) =>
  i % 4 === 0
    ? `{'loss': ${(2 - i / 40).toFixed(4)}, 'grad_norm': 1.5, 'learning_rate': 1e-05, 'epoch': ${(i / 40).toFixed(2)}}`
    : i % 4 === 1
      ? `step:${i}/40 val_loss:${(3 - i / 20).toFixed(4)} train_time:${i * 10}ms`
      : i % 4 === 2
        ? ` 45%|████▌     | ${i}/40 [00:0${i % 10}<00:05,  1.2it/s]→ é`
        : `${i} hella 0.${i}`,
);
const LOG = encoder.encode(LINES.join('\n') + '\n');
/** Points each line gives: 3 for a dict, 2 for a modded-nanogpt line, none for a bar, 1 for a hella line. */
const PER_LINE = [3, 2, 0, 1];

test('a console log read in random chunk sizes gives exactly the points of one read', () => {
  const whole = pointTuples(readWhole(CONSOLE_FORMAT, LOG).points);
  assert.equal(whole.length, 60);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      assert.deepEqual(pointTuples(readInChunks(CONSOLE_FORMAT, LOG, sizes).points), whole);
    }),
  );
});

test('a console log cut anywhere never throws and keeps every complete line', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: LOG.length }), (cut) => {
      const completeLines = new TextDecoder().decode(LOG.subarray(0, cut)).split('\n').length - 1;
      const expected = Array.from({ length: completeLines }, (_, i) => PER_LINE[i % 4] ?? 0).reduce((a, b) => a + b, 0);
      assert.equal(readWhole(CONSOLE_FORMAT, LOG.subarray(0, cut)).points.length, expected);
    }),
  );
});

test('a console log with a corrupted byte never throws and keeps the lines it did not touch', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: LOG.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const corrupted = LOG.slice();
      corrupted[at] = byte;
      const result = readWhole(CONSOLE_FORMAT, corrupted);
      // A bad byte spoils its line; a newline it overwrites joins two lines (at most a dict and a step line: 5 points).
      assert.ok(result.points.length >= 60 - 5, `only ${result.points.length} points survived one bad byte`);
    }),
  );
});
