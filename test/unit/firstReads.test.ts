import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { FirstReads } from '../../src/node/firstReads';

test('logs found by the first scan are read newest first, a few at a time', async () => {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const reads = new FirstReads(
    (path) =>
      new Promise<void>((resolve) => {
        started.push(path);
        finish.set(path, resolve);
      }),
    2,
  );
  for (const [path, modified] of [
    ['old', 1],
    ['newest', 5],
    ['middle', 3],
    ['new', 4],
  ] as const)
    reads.add(path, modified);
  await turn();
  assert.deepEqual(started, ['newest', 'new'], 'two at a time, the newest first');
  assert.equal(reads.take('middle'), true, 'a log that changed is taken out to be read at once');
  finish.get('newest')?.();
  await turn();
  await turn();
  assert.deepEqual(started, ['newest', 'new', 'old']);
  reads.dispose();
});

test('a failed read does not stop the queue', async () => {
  const started: string[] = [];
  const reads = new FirstReads((path) => {
    started.push(path);
    return path === 'bad' ? Promise.reject(new Error('unreadable')) : Promise.resolve();
  }, 1);
  reads.add('bad', 2);
  reads.add('good', 1);
  for (let i = 0; i < 5; i++) await turn();
  assert.deepEqual(started, ['bad', 'good']);
});
