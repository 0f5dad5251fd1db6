import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EVAL_OUTPUTS_FORMAT } from '../../src/core/tokens/evalOutputsFormat';
import { isEvaluationSidecar, sidecarEvaluations } from '../../src/node/tokens/sidecarEvaluations';

const accepts = (path: string): boolean => EVAL_OUTPUTS_FORMAT.classify(path) !== undefined;

test('a sidecar speaks for the labels of its .npy folder or the .npz of its name, and only inside evaluation outputs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-sidecar-'));
  try {
    const folder = join(root, 'run', 'eval_outputs', 'step-3');
    mkdirSync(folder, { recursive: true });
    for (const name of ['labels.npy', 'logits.npy', 'metadata.json']) writeFileSync(join(folder, name), '');
    writeFileSync(join(root, 'run', 'eval_outputs', 'step-4.npz'), '');
    assert.ok(isEvaluationSidecar(join(folder, 'metadata.json'), accepts));
    assert.deepEqual(await sidecarEvaluations(join(folder, 'metadata.json'), accepts), [join(folder, 'labels.npy')]);
    const npzSidecar = join(root, 'run', 'eval_outputs', 'step-4.metadata.json');
    assert.ok(isEvaluationSidecar(npzSidecar, accepts));
    assert.deepEqual(await sidecarEvaluations(npzSidecar, accepts), [join(root, 'run', 'eval_outputs', 'step-4.npz')]);
    assert.deepEqual(await sidecarEvaluations(join(root, 'run', 'eval_outputs', 'step-5.metadata.json'), accepts), [], 'no .npz of that name yet');
    assert.equal(isEvaluationSidecar(join(root, 'run', 'metadata.json'), accepts), false, 'outside eval_outputs');
    assert.equal(isEvaluationSidecar(join(folder, 'results.json'), accepts), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
