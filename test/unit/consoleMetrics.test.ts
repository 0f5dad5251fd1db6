import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { CONSOLE_METRICS_FORMAT, readConsoleMetricsChunk, type ConsoleMetricsCursor } from '../../src/core/formats/consoleMetricsFormat';

const LOG =
  [
    "{'loss': 0.294, 'learning_rate': 2.66e-06, 'epoch': 0.87}",
    "{'train_runtime': 157.6908, 'train_loss': 0.3197085608328169, 'epoch': 1.0}",
    '***** train metrics *****',
    '  epoch                    =        1.0',
    '  train_loss               =     0.3197',
    '  train_runtime            = 0:02:37.69',
    '  train_samples            =      18449',
    ' 100%|██████████| 2307/2307 [02:37<00:00, 14.63it/s]\r***** eval metrics *****',
    '  eval_loss               =     0.3257',
    '  eval_samples            =       2050',
    '[INFO|modelcard.py:452] 2024-05-05 11:39:48,018 >> done',
    '  eval_samples            =       9999',
  ].join('\n') + '\n';

function finalsInChunks(bytes: Uint8Array, sizes: readonly number[]): ConsoleMetricsCursor['finals'] {
  let cursor = CONSOLE_METRICS_FORMAT.initialCursor;
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    cursor = readConsoleMetricsChunk(cursor, bytes.subarray(offset, offset + size)).cursor;
    offset += size;
  }
  return cursor.finals;
}

test('a console beside a better source gives only the log_metrics values no dict printed, every read answering with all of them', () => {
  const bytes = new TextEncoder().encode(LOG);
  // train_loss and train_runtime were printed by the dict above the block; epoch places it; a line outside a block is not read.
  assert.deepEqual(finalsInChunks(bytes, [bytes.length]), [
    ['train_samples', 18449],
    ['eval_loss', 0.3257],
    ['eval_samples', 2050],
  ]);
  const half = bytes.length >> 1;
  const first = CONSOLE_METRICS_FORMAT.readChunk(CONSOLE_METRICS_FORMAT.initialCursor, bytes.subarray(0, half), 'output.log');
  const second = CONSOLE_METRICS_FORMAT.readChunk(first.cursor, bytes.subarray(half), 'output.log');
  assert.deepEqual(
    second.points.map((point) => point.key),
    ['train_samples', 'eval_loss', 'eval_samples'],
  );
  assert.equal(CONSOLE_METRICS_FORMAT.finalValues, true);
});

test('random chunk sizes give the same final values as one read', () => {
  const bytes = new TextEncoder().encode(LOG);
  const whole = finalsInChunks(bytes, [bytes.length]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), (sizes) => assert.deepEqual(finalsInChunks(bytes, sizes), whole)),
  );
});
