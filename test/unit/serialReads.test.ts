import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialReads } from '../../src/node/serialReads';

/** Reads that end only when the test says so, to hold one open while more changes arrive. */
function heldReads(): { reads: string[]; finish: () => void; readOnce: (path: string) => Promise<void> } {
  const reads: string[] = [];
  const pending: (() => void)[] = [];
  return {
    reads,
    finish: () => pending.shift()?.(),
    readOnce: (path) => {
      reads.push(path);
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

test('changes during a read are answered by one more read, and every caller waits for it', async () => {
  const held = heldReads();
  const serial = new SerialReads(held.readOnce, () => false);
  const first = serial.read('a.log');
  const second = serial.read('a.log');
  const third = serial.read('a.log');
  assert.equal(second, first);
  assert.equal(third, first);
  assert.deepEqual(held.reads, ['a.log']);
  held.finish();
  await settle();
  assert.deepEqual(held.reads, ['a.log', 'a.log']);
  let done = false;
  void first.then(() => (done = true));
  await settle();
  assert.equal(done, false, 'the callers wait for the read that answers their change');
  held.finish();
  await first;
  assert.deepEqual(held.reads, ['a.log', 'a.log']);
});

test('reads of different files run side by side, and a file read again later starts a new read', async () => {
  const held = heldReads();
  const serial = new SerialReads(held.readOnce, () => false);
  const a = serial.read('a.log');
  const b = serial.read('b.log');
  assert.deepEqual(held.reads, ['a.log', 'b.log']);
  held.finish();
  held.finish();
  await Promise.all([a, b]);
  const again = serial.read('a.log');
  assert.notEqual(again, a);
  held.finish();
  await again;
  assert.deepEqual(held.reads, ['a.log', 'b.log', 'a.log']);
});

test('once stopped, a change that arrived during a read starts no further read', async () => {
  const held = heldReads();
  let stopped = false;
  const serial = new SerialReads(held.readOnce, () => stopped);
  const first = serial.read('a.log');
  void serial.read('a.log');
  stopped = true;
  held.finish();
  await first;
  assert.deepEqual(held.reads, ['a.log']);
});
