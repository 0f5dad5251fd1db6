import assert from 'node:assert/strict';
import test from 'node:test';
import { CONSOLE_FORMAT } from '../../src/core/formats/consoleFormat';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, readWhole } from './formatHarness';

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
  assert.equal(readWhole(CONSOLE_FORMAT, LOG).points.length, 60);
  assertChunkSizesDoNotMatter(CONSOLE_FORMAT, LOG);
});

test('a console log cut anywhere never throws and keeps every complete line', () => {
  forEveryCut(CONSOLE_FORMAT, LOG, (result, cut) => {
    const completeLines = new TextDecoder().decode(LOG.subarray(0, cut)).split('\n').length - 1;
    const expected = Array.from({ length: completeLines }, (_, i) => PER_LINE[i % 4] ?? 0).reduce((a, b) => a + b, 0);
    assert.equal(result.points.length, expected);
  });
});

test('a console log with a corrupted byte never throws and keeps the lines it did not touch', () => {
  forEveryCorruptedByte(CONSOLE_FORMAT, LOG, (result) => {
    // A bad byte spoils its line; a newline it overwrites joins two lines (at most a dict and a step line: 5 points).
    assert.ok(result.points.length >= 60 - 5, `only ${result.points.length} points survived one bad byte`);
  });
});
