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

test('many logs come out newest first, whatever order they were found in', async () => {
  const started: number[] = [];
  const reads = new FirstReads(async (path) => {
    started.push(Number(path));
  }, 1);
  const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 500);
  for (const time of times) reads.add(String(time), time);
  reads.take('250');
  for (let i = 0; i < 2000 && started.length < 499; i++) await turn();
  assert.deepEqual(
    started,
    times.filter((time) => time !== 250).sort((a, b) => b - a),
  );
});
