import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { RunSession } from '../../src/node/runSession';
import { configureEvalOutputs } from '../../src/node/tokens/evalOutputsReader';

/** An .npy v1 file of int64 values, as numpy writes it (header padded to 64 bytes). */
function npyInt64(values: readonly number[]): Uint8Array {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${values.length},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(10 + header.length + values.length * 8);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  bytes.set(new TextEncoder().encode(header), 10);
  new BigInt64Array(bytes.buffer, 10 + header.length).set(values.map(BigInt));
  return bytes;
}

/** A compact safetensors evaluation: labels, predictions and their log-probabilities, aligned. */
function compactSafetensors(labels: readonly number[], predictions: readonly number[], labelLogProbs: readonly number[], maxLogProbs: readonly number[]): Uint8Array {
  const n = labels.length;
  const header = JSON.stringify({
    __metadata__: { causal_shift: 'false' },
    labels: { dtype: 'I64', shape: [n], data_offsets: [0, 8 * n] },
    predictions: { dtype: 'I64', shape: [n], data_offsets: [8 * n, 16 * n] },
    label_logprobs: { dtype: 'F32', shape: [n], data_offsets: [16 * n, 20 * n] },
    max_logprobs: { dtype: 'F32', shape: [n], data_offsets: [20 * n, 24 * n] },
  });
  const bytes = new Uint8Array(8 + header.length + 24 * n);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(new TextEncoder().encode(header), 8);
  const data = 8 + header.length;
  bytes.set(new Uint8Array(BigInt64Array.from(labels.map(BigInt)).buffer), data);
  bytes.set(new Uint8Array(BigInt64Array.from(predictions.map(BigInt)).buffer), data + 8 * n);
  bytes.set(new Uint8Array(Float32Array.from(labelLogProbs).buffer), data + 16 * n);
  bytes.set(new Uint8Array(Float32Array.from(maxLogProbs).buffer), data + 20 * n);
  return bytes;
}

function waitFor(session: RunSession, check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timeout = setTimeout(() => reject(new Error('timed out')), 8000);
    const subscription = session.onRunsChanged(() => {
      if (!check()) return;
      clearTimeout(timeout);
      subscription.dispose();
      resolve();
    });
  });
}

test('evaluation outputs written into a watched run are scored as they appear, in any order', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-eval-live-'));
  configureEvalOutputs({ cacheDirectory: join(root, '.cache'), workerScript: undefined });
  const session = new RunSession(() => undefined);
  const run = join(root, 'sft');
  const accuracy = (): readonly number[] | undefined => session.store.snapshot(run)?.metrics.get(COMPUTED_KEYS.accuracy)?.values;
  try {
    await session.watch([root]);
    mkdirSync(join(run, 'eval_outputs'), { recursive: true });
    // Written aside and renamed in, as the dump helper does.
    writeFileSync(join(run, 'eval_outputs', 'tmp'), compactSafetensors([1, 2, 3, -100], [1, 2, 0, 5], [-0.1, -0.2, -3, 0], [-0.1, -0.2, -0.5, 0]));
    renameSync(join(run, 'eval_outputs', 'tmp'), join(run, 'eval_outputs', 'step-10.safetensors'));
    await waitFor(session, () => accuracy()?.length === 1);
    assert.deepEqual(accuracy(), [2 / 3]);
    const nll = session.store.snapshot(run)?.metrics.get(COMPUTED_KEYS.meanNll)?.values[0] ?? NaN;
    assert.ok(Math.abs(nll - 3.3 / 3) < 1e-6, `mean NLL ${nll}`);
    // A folder of .npy arrays whose labels arrive before their predictions: read once both are there.
    mkdirSync(join(run, 'eval_outputs', 'step-20'));
    writeFileSync(join(run, 'eval_outputs', 'step-20', 'labels.npy'), npyInt64([4, 5, 6, 7]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(join(run, 'eval_outputs', 'step-20', 'predictions.npy'), npyInt64([4, 5, 6, 0]));
    await waitFor(session, () => accuracy()?.length === 2);
    assert.deepEqual(accuracy(), [2 / 3, 3 / 4], 'flat predictions are aligned: 3 of 4 right');
    assert.deepEqual(session.problems(), []);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
