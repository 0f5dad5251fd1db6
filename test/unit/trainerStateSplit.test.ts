import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WholeFileResult } from '../../src/core/formats/logFormat';
import { TRAINER_STATE_FORMAT } from '../../src/core/formats/trainerStateFormat';
import { entryStartAfter, scanTrainerState, scanTrainerStateBefore } from '../../src/core/formats/trainerStateScan';
import { isTailPoints } from '../../src/core/formats/trainerStateTail';
import { coreIdle } from '../../src/node/idleCore';
import { parseTrainerStateSplit, SPLIT_MIN_BYTES, splitsTrainerState } from '../../src/node/wholeFileSplitScan';
import { sampleFiles, samplesSkipReason } from './helpers';
import { REPO_ROOT } from './tokenPython';

const workerScript = join(REPO_ROOT, 'dist/wholeFileSplitWorker.js');
const skip = existsSync(workerScript) ? false : 'dist/wholeFileSplitWorker.js is built by `node scripts/build.mjs --tests`';

/** What a read gave, columns turned back into points, for a strict comparison. */
function outcome(result: WholeFileResult): unknown {
  if (result.kind !== 'ok') return result;
  return { points: result.columns === undefined ? result.points : result.columns.toPoints(), viaColumns: result.columns !== undefined };
}

function plainRead(bytes: Uint8Array): unknown {
  if (TRAINER_STATE_FORMAT.kind !== 'whole') return assert.fail('a whole-file format');
  return outcome(TRAINER_STATE_FORMAT.parse(bytes, '/run/trainer_state.json'));
}

async function splitRead(path: string, script: string): Promise<unknown> {
  const handle = await open(path);
  try {
    return outcome(await parseTrainerStateSplit(handle, (await handle.stat()).size, script));
  } finally {
    await handle.close();
  }
}

/** A state as Trainer writes it (indent 2), `entries` logged steps with an eval every 10, and `after` members past log_history. */
function stateText(entries: number, after: Record<string, unknown> = {}): string {
  const history = Array.from({ length: entries }, (_, i) =>
    i % 10 === 9
      ? { epoch: i / 100, eval_loss: 1 / (i + 2), eval_runtime: 12.5, step: i * 5 }
      : { epoch: i / 100, grad_norm: Math.sqrt(i + 0.3), learning_rate: 5e-5 * (1 - i / entries), loss: 2 / Math.log(i + 2), step: i * 5 },
  );
  return JSON.stringify({ best_metric: null, global_step: entries * 5, log_history: history, ...after }, null, 2);
}

function withFile(text: string, run: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tal-split-'));
  const path = join(dir, 'trainer_state.json');
  writeFileSync(path, text);
  return run(path).finally(() => rmSync(dir, { recursive: true }));
}

test('a state read over two threads gives the points one thread reads, in the same order', { skip }, async () => {
  await withFile(stateText(5000, { max_steps: 25000, trial_name: null }), async (path) => {
    const bytes = new Uint8Array(readFileSync(path));
    const split = entryStartAfter(bytes, bytes.length >> 1);
    assert.equal(scanTrainerStateBefore(bytes, split).stopped, true, 'the middle is met as an entry of log_history');
    assert.deepStrictEqual(await splitRead(path, workerScript), plainRead(bytes));
  });
});

test('the worker reads the tail from the entry it is given, its points moved back as arrays', { skip }, async () => {
  const bytes = new TextEncoder().encode(stateText(3000));
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  const split = entryStartAfter(shared, shared.length >> 1);
  const worker = new Worker(workerScript);
  const message: unknown = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage({ buffer: shared.buffer, length: shared.length, start: split });
  });
  await worker.terminate();
  assert.ok(isTailPoints(message) && message.end > split, 'the tail is read to the end of the array');
  const scan = scanTrainerStateBefore(shared, split);
  assert.ok(scan.stopped);
  scan.columns.appendExported(message);
  assert.deepStrictEqual(scan.resume(message.end)?.columns.toPoints(), scanTrainerState(bytes)?.columns.toPoints());
  assert.equal(isTailPoints({ ...message, keyIds: new Int32Array(message.size).fill(message.keys.length) }), message.size === 0);
});

test('with no worker to start, or a middle inside a string, the host thread reads the whole and the answer is the same', { skip }, async () => {
  await withFile(stateText(400), async (path) => {
    assert.deepStrictEqual(await splitRead(path, join(REPO_ROOT, 'dist', 'no-such-worker.js')), plainRead(new Uint8Array(readFileSync(path))));
  });
  // The second half of the file is one string full of `}, {`: the guessed entry is never met.
  const note = Array.from({ length: 3000 }, (_, i) => `}, {"step": ${i}, "loss": 9}`).join(' ');
  await withFile(stateText(300, { note }), async (path) => {
    const bytes = new Uint8Array(readFileSync(path));
    assert.equal(scanTrainerStateBefore(bytes, entryStartAfter(bytes, bytes.length >> 1)).stopped, false);
    assert.deepStrictEqual(await splitRead(path, workerScript), plainRead(bytes));
  });
  // Not JSON past the middle: the text parse's answer, as a whole read gives it.
  await withFile(stateText(400).slice(0, -40), async (path) => {
    assert.deepStrictEqual(await splitRead(path, workerScript), plainRead(new Uint8Array(readFileSync(path))));
  });
});

test('only a state of 32 MiB or more is read over two threads, and only with a second core idle', async () => {
  const idle = (): Promise<boolean> => Promise.resolve(true);
  assert.equal(SPLIT_MIN_BYTES, 32 * 1024 * 1024);
  assert.equal(await splitsTrainerState(SPLIT_MIN_BYTES - 1, idle), false);
  assert.equal(await splitsTrainerState(5 * 1024 * 1024, idle), false);
  assert.equal(await splitsTrainerState(SPLIT_MIN_BYTES, idle), availableParallelism() >= 2);
  assert.equal(await splitsTrainerState(SPLIT_MIN_BYTES, () => Promise.resolve(false)), false);
  // Linux's count of running threads includes this one: never fewer than none, always fewer than a million.
  assert.equal(await coreIdle(0), false);
  assert.equal(await coreIdle(1_000_000), existsSync('/proc/loadavg'));
});

const realStates = sampleFiles('trainer_state', 'trainer_state.json');
test('real trainer_state.json files read the same over two threads', { skip: skip || samplesSkipReason('trainer_state') }, async () => {
  assert.ok(realStates.length > 0);
  for (const file of realStates) {
    const bytes = new Uint8Array(readFileSync(file));
    assert.ok(scanTrainerState(bytes) !== undefined, `${file} is scanned`);
    assert.deepStrictEqual(await splitRead(file, workerScript), plainRead(bytes), file);
  }
});
