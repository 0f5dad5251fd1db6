import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { NotRegularFileError, readRange, readRangeBlocking } from '../../src/node/fileRange';

test('a blocking range read gives what the async one gives: the bytes asked for, fewer past the end, none past it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-range-'));
  try {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step": 1, "loss": 2}\n{"step": 2, "loss": 1}\n');
    for (const [start, end] of [
      [0, 48],
      [0, 1000],
      [5, 20],
      [48, 60],
      [100, 200],
    ] as const)
      assert.deepEqual(readRangeBlocking(path, start, end), await readRange(path, start, end), `${start}-${end}`);
    assert.deepEqual(readRangeBlocking(path, 0, 10, statSync(path)), await readRange(path, 0, 10));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a blocking range read refuses a FIFO without blocking, also when the stat it was given said a regular file (swapped since)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-range-'));
  try {
    const file = join(dir, 'file.jsonl');
    writeFileSync(file, '{"step": 1}\n');
    const fifo = join(dir, 'metrics.jsonl');
    execFileSync('mkfifo', [fifo]);
    assert.throws(() => readRangeBlocking(fifo, 0, 10), NotRegularFileError);
    // The open does not block (O_NONBLOCK) and the handle's own stat finds the FIFO.
    assert.throws(() => readRangeBlocking(fifo, 0, 10, statSync(file)), NotRegularFileError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
