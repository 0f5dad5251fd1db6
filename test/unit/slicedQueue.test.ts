import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { SlicedQueue } from '../../src/node/slicedQueue';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('long work is done in slices, with the event loop free between them, each key once', async () => {
  const applied: string[][] = [];
  const order: string[] = [];
  const done = new Promise<void>((resolve) => {
    const queue = new SlicedQueue<number>(
      (key) => {
        busy(5);
        return key.length;
      },
      (results) => {
        applied.push([...results.keys()]);
        order.push('slice');
        if (!queue.busy) resolve();
      },
      12,
    );
    const keys = Array.from({ length: 20 }, (_, i) => `run-${i}`);
    queue.add(keys);
    // Queued again while waiting: still done once.
    queue.add(['run-19', 'run-18']);
    const tick = (): void => {
      order.push('other');
      if (queue.busy) setImmediate(tick);
    };
    setImmediate(tick);
  });
  await done;
  const all = applied.flat();
  assert.equal(all.length, 20);
  assert.equal(new Set(all).size, 20);
  assert.ok(applied.length >= 5, `20 keys of 5 ms in slices of 12 ms need at least 5 slices, got ${applied.length}`);
  assert.ok(
    applied.every((slice) => slice.length <= 3),
    'no slice runs far past its budget',
  );
  // After the first slice (run at once), another callback gets its turn before each next slice.
  const between = order.join(' ').split('slice').slice(2, -1);
  assert.ok(between.length > 0 && between.every((gap) => gap.includes('other')), `other callbacks ran between the slices: ${order.join(' ')}`);
});

test('a small change is applied at once, in the same turn', () => {
  const applied: string[] = [];
  const queue = new SlicedQueue<string>(
    (key) => key.toUpperCase(),
    (results) => applied.push(...results.values()),
  );
  queue.add(['a']);
  assert.deepEqual(applied, ['A']);
  queue.dispose();
});
