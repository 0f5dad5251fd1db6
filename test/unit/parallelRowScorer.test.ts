import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EvalComputation } from '../../src/core/tokens/evalComputation';
import { planEvaluation } from '../../src/core/tokens/evalPlan';
import type { RowBatchScorer } from '../../src/core/tokens/logitsRow';
import { createParallelRowScorer } from '../../src/node/tokens/kernel/parallelRowScorer';
import { createWasmRowScorer } from '../../src/node/tokens/kernel/wasmRowScorer';
import { REPO_ROOT } from './tokenPython';

const workerScript = join(REPO_ROOT, 'dist/evalWorker.js');
const skip = existsSync(workerScript) ? false : 'dist/evalWorker.js is built by `node scripts/build.mjs --tests`';
const ROWS = 37;
const VOCAB = 1003;

function logitsAndLabels(): { logits: Float32Array; labels: Int32Array } {
  let seed = 3;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const logits = Float32Array.from({ length: ROWS * VOCAB }, () => (random() + random() - 1) * 6);
  logits[5 * VOCAB + 7] = NaN; // a NaN row on this thread's side
  logits[30 * VOCAB + 1000] = NaN; // and one on the helper's
  logits[20 * VOCAB + 3] = -Infinity;
  const labels = Int32Array.from({ length: ROWS }, (_, r) => (r % 9 === 4 ? -1 : (r * 131) % VOCAB));
  return { logits, labels };
}

test('rows split between two threads give every number the one-thread kernel gives, bit for bit', { skip }, async () => {
  const parallel = createParallelRowScorer(workerScript);
  const local = createWasmRowScorer();
  assert.ok(parallel !== undefined && local !== undefined);
  try {
    assert.equal(await parallel.ready(), true, 'the helper thread started');
    const { logits, labels } = logitsAndLabels();
    const bin = Int32Array.from({ length: ROWS }, (_, r) => (r % 3 === 0 ? 1 : 0));
    const firstRowsOnly = Int32Array.from({ length: ROWS }, (_, r) => (r < 5 ? 1 : 0));
    const maxima = Float64Array.from({ length: ROWS }, (_, r) => Math.max(...logits.subarray(r * VOCAB, (r + 1) * VOCAB)));
    for (const flags of [bin, firstRowsOnly, undefined, new Int32Array(ROWS), bin])
      assert.deepEqual(parallel.scorer.scoreRows(logits, ROWS, VOCAB, labels, flags), local.scoreRows(logits, ROWS, VOCAB, labels, flags));
    assert.deepEqual(parallel.scorer.momentRows(logits, ROWS, VOCAB, labels, maxima, 1.3), local.momentRows(logits, ROWS, VOCAB, labels, maxima, 1.3));
    assert.deepEqual(parallel.scorer.temperatureRows(logits, ROWS, VOCAB, labels, 0.7), local.temperatureRows(logits, ROWS, VOCAB, labels, 0.7));
    // A whole evaluation, its temperature fit included: the same result.
    const planned = planEvaluation(
      [
        { name: 'labels', dtype: 'I64', shape: [ROWS], offset: 0, byteLength: ROWS * 8 },
        { name: 'logits', dtype: 'F32', shape: [ROWS, VOCAB], offset: 0, byteLength: ROWS * VOCAB * 4 },
      ],
      {},
      {},
    );
    assert.ok('plan' in planned);
    const finite = logits.map((value) => (Number.isNaN(value) ? 0 : value));
    const evaluate = (batch: RowBatchScorer): unknown => {
      const computation = new EvalComputation(
        planned.plan,
        Float64Array.from(labels, (label) => (label < 0 ? -100 : label)),
        { temperature: true, batch },
      );
      computation.addLogitRows(finite.slice(0, 20 * VOCAB), 0);
      computation.addLogitRows(finite.slice(20 * VOCAB), 20);
      while (computation.nextTemperaturePass() !== undefined) computation.addTemperatureRows(finite, 0);
      return computation.finish();
    };
    const [split, alone] = [evaluate(parallel.scorer), evaluate(local)];
    assert.deepEqual(split, alone);
    // Rows put in place by load() and asked about again (the other pairing, the moments): the helper's copy is reused.
    const bytes = new Uint8Array(finite.buffer.slice(0));
    const [mine, theirs] = [parallel.scorer.load(bytes, 'F32', ROWS, VOCAB), local.load(bytes, 'F32', ROWS, VOCAB)];
    assert.ok(mine !== undefined && theirs !== undefined);
    const shifted = labels.map((label) => (label < 0 ? label : (label + 1) % VOCAB));
    for (const asked of [labels, shifted])
      assert.deepEqual(parallel.scorer.scoreRows(mine, ROWS, VOCAB, asked, bin), local.scoreRows(theirs, ROWS, VOCAB, asked, bin));
    assert.deepEqual(parallel.scorer.momentRows(mine, ROWS, VOCAB, shifted, maxima, 0.9), local.momentRows(theirs, ROWS, VOCAB, shifted, maxima, 0.9));
  } finally {
    await parallel.dispose();
  }
});

test('a helper that cannot start is never waited for: the rows are scored on this thread', { skip }, async () => {
  const parallel = createParallelRowScorer(join(REPO_ROOT, 'dist', 'no-such-worker.js'));
  const local = createWasmRowScorer();
  assert.ok(parallel !== undefined && local !== undefined);
  try {
    assert.equal(await parallel.ready(), false);
    const { logits, labels } = logitsAndLabels();
    assert.deepEqual(parallel.scorer.scoreRows(logits, ROWS, VOCAB, labels), local.scoreRows(logits, ROWS, VOCAB, labels));
  } finally {
    await parallel.dispose();
  }
});

test('half-precision rows handed to the helper as stored give the one-thread numbers and labels, the helper there or gone', { skip }, async () => {
  const local = createWasmRowScorer();
  assert.ok(local !== undefined);
  const { labels } = logitsAndLabels();
  const shifted = labels.map((label) => (label < 0 ? label : (label + 1) % VOCAB));
  let seed = 17;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  // Finite values of either width between about 2^-6 and 2^7, either sign.
  const halves = {
    F16: Uint16Array.from(
      { length: ROWS * VOCAB },
      () => (random() < 0.5 ? 0x8000 : 0) | ((9 + Math.floor(random() * 13)) << 10) | Math.floor(random() * 1024),
    ),
    BF16: Uint16Array.from(
      { length: ROWS * VOCAB },
      () => (random() < 0.5 ? 0x8000 : 0) | ((121 + Math.floor(random() * 13)) << 7) | Math.floor(random() * 128),
    ),
  };
  for (const dtype of ['F16', 'BF16'] as const) {
    for (const gone of [false, true]) {
      const parallel = createParallelRowScorer(workerScript);
      assert.ok(parallel !== undefined);
      try {
        assert.equal(await parallel.ready(), true);
        const bytes = new Uint8Array(halves[dtype].buffer);
        const mine = parallel.scorer.load(bytes, dtype, ROWS, VOCAB);
        // A helper lost after the load: this thread widens its rows and scores them itself.
        if (gone) await parallel.dispose();
        const theirs = local.load(bytes, dtype, ROWS, VOCAB);
        assert.ok(mine !== undefined && theirs !== undefined);
        const widened: Float32Array = theirs;
        const maxima = Float64Array.from({ length: ROWS }, (_, r): number => Math.max(...widened.subarray(r * VOCAB, (r + 1) * VOCAB)));
        for (const asked of [labels, shifted]) {
          assert.deepEqual(parallel.scorer.scoreRows(mine, ROWS, VOCAB, asked), local.scoreRows(theirs, ROWS, VOCAB, asked));
          for (let r = 0; r < ROWS; r++) {
            const at = r * VOCAB + (asked[r] as number);
            if ((asked[r] as number) >= 0) assert.equal(mine[at], theirs[at], `${dtype} row ${r}: the label's logit`);
          }
        }
        assert.deepEqual(parallel.scorer.momentRows(mine, ROWS, VOCAB, labels, maxima, 1.1), local.momentRows(theirs, ROWS, VOCAB, labels, maxima, 1.1));
        assert.deepEqual(parallel.scorer.temperatureRows(mine, ROWS, VOCAB, shifted, 0.8), local.temperatureRows(theirs, ROWS, VOCAB, shifted, 0.8));
      } finally {
        await parallel.dispose();
      }
    }
  }
});
