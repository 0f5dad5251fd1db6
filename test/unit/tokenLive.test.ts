import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { RunSession } from '../../src/node/runSession';
import { compactSafetensors, npyInt64 } from './tokenFiles';
import { waitFor } from './sessionWait';

test('evaluation outputs written into a watched run are scored as they appear, in any order', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-eval-live-'));
  const session = new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined });
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
