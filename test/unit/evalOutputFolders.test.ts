import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifyLogFile, isIgnoredWith } from '../../src/core/formats/registry';
import { COMPUTED_KEYS, evaluationStep } from '../../src/core/tokens/evalOutputsFormat';
import { formatOverrides } from '../../src/node/formatSettings';
import { RunSession } from '../../src/node/runSession';
import { waitFor } from './sessionWait';
import { compactSafetensors } from './tokenFiles';

test('evaluation outputs are classified, and let through as tensors, in the folders the settings name', () => {
  const { overrides, errors } = formatOverrides([], ['dumps', 'preds', 'out/evals']);
  assert.deepEqual(errors, ['Evaluation-output folder "out/evals" is left out: give a folder name, not a path.']);
  assert.deepEqual(classifyLogFile('/w/out/dumps/step-3.safetensors', overrides), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.deepEqual(classifyLogFile('/w/out/checkpoint-50/preds/eval.npz', overrides), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.equal(isIgnoredWith('/w/out/dumps/step-3.safetensors', overrides), false);
  assert.equal(isIgnoredWith('/w/out/preds/step-3/labels.npy', overrides), false);
  // The list replaces the default: `eval_outputs` is now as foreign as any folder of weights.
  assert.equal(classifyLogFile('/w/out/eval_outputs/step-3.safetensors', overrides), undefined);
  assert.equal(isIgnoredWith('/w/out/eval_outputs/step-3.safetensors', overrides), true);
  assert.equal(isIgnoredWith('/w/out/model.safetensors', overrides), true);
  // Other formats are untouched by the override.
  assert.deepEqual(classifyLogFile('/w/out/checkpoint-50/trainer_state.json', overrides), { format: 'hf-trainer-state', runDirectory: '/w/out' });
  // Without overrides, the default folder only.
  assert.deepEqual(classifyLogFile('/w/out/eval_outputs/step-3.safetensors'), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.equal(classifyLogFile('/w/out/dumps/step-3.safetensors'), undefined);
  assert.equal(isIgnoredWith('/w/out/dumps/step-3.safetensors'), true);
  assert.equal(formatOverrides([], ['eval_outputs']).overrides.size, 0, 'the default list needs no override');
  // The step is looked for up to the folder above the named one, never in the folders around the run.
  assert.equal(evaluationStep('/w/step-7-sweep/out/dumps/final.safetensors', {}, ['dumps']), undefined);
  assert.equal(evaluationStep('/w/out/checkpoint-50/dumps/final.safetensors', {}, ['dumps']), 50);
  assert.equal(evaluationStep('/w/out/dumps/global_step_30/labels.npy', {}, ['dumps']), 30);
});

test('a watched run reads evaluation outputs in a folder named in the settings, and the same file elsewhere stays unread', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-eval-folders-'));
  const evaluation = compactSafetensors([1, 2, 3, -100], [1, 2, 0, 5], [-0.1, -0.2, -3, 0], [-0.1, -0.2, -0.5, 0]);
  const run = join(root, 'sft');
  const other = join(root, 'other');
  for (const folder of [join(run, 'dumps'), join(run, 'weights'), join(other, 'eval_outputs')]) mkdirSync(folder, { recursive: true });
  writeFileSync(join(run, 'weights', 'step-20.safetensors'), evaluation);
  writeFileSync(join(other, 'eval_outputs', 'step-30.safetensors'), evaluation);
  const session = new RunSession(() => undefined, formatOverrides([], ['dumps']).overrides, { cacheDirectory: join(root, '.cache'), workerScript: undefined });
  const accuracy = (id: string) => session.store.snapshot(id)?.metrics.get(COMPUTED_KEYS.accuracy);
  try {
    await session.watch([root]);
    writeFileSync(join(run, 'dumps', 'step-10.safetensors'), evaluation);
    await waitFor(session, () => accuracy(run) !== undefined);
    assert.deepEqual(accuracy(run), { steps: [10], values: [2 / 3] }, 'only the file in dumps/ is read; weights/ stays skipped');
    assert.deepEqual(session.store.runIds(), [run], 'eval_outputs/ is not in the list: its file is left unread');
    assert.deepEqual(session.problems(), []);
    // Back to the default list: the session reads everything again with it.
    await session.setFormats(formatOverrides([]).overrides);
    await waitFor(session, () => accuracy(other) !== undefined && accuracy(run) === undefined);
    assert.deepEqual(accuracy(other), { steps: [30], values: [2 / 3] });
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
