import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { notebookRuns, type NotebookOutput, type NotebookRun } from '../../src/core/formats/notebookOutputs';
import { REPO_ROOT } from './tokenPython';
import { runTrainerPython, TRAINER_VENVS } from './trainerVenvs';

interface Saved {
  readonly steps: readonly string[];
  readonly epoch: readonly string[];
  readonly after: readonly string[];
  readonly keras: { readonly text: string; readonly history: Readonly<Record<string, readonly number[]>> } | null;
}

const SCRIPT = join(REPO_ROOT, 'test/fixtures/python/notebook_outputs.py');

function runs(outputs: readonly NotebookOutput[]): readonly NotebookRun[] {
  const read = notebookRuns('real.ipynb', [{ index: 0, outputs }]);
  assert.deepEqual(read.problems, []);
  return read.runs;
}

function html(texts: readonly string[]): NotebookOutput[] {
  return texts.map((text) => ({ kind: 'display', mime: 'text/html', text }));
}

function series(run: NotebookRun | undefined, key: string): [number, number][] {
  return (run?.points ?? []).filter((point) => point.key === key).map((point) => [point.step, point.value]);
}

for (const venv of TRAINER_VENVS) {
  test(`${venv.label}: what NotebookProgressCallback displays, and a Keras fit's output, read back`, { skip: venv.skip }, () => {
    const saved = JSON.parse(runTrainerPython(venv.python, [SCRIPT])) as Saved;
    const [steps] = runs(html(saved.steps));
    assert.equal(steps?.x, 'step');
    // The evaluation at step 5 came before any train log: "No log", no train loss there.
    assert.deepEqual(series(steps, 'loss'), [
      [20, 1.8],
      [40, 1.6],
      [60, 1.4],
    ]);
    assert.deepEqual(series(steps, 'eval_loss'), [
      [5, 1.525],
      [20, 1.6],
      [40, 1.7],
      [60, 1.8],
    ]);
    assert.deepEqual(series(steps, 'eval_mean_token_accuracy').at(-1), [60, 0.46]);
    assert.deepEqual(series(steps, 'eval_num_tokens').at(-1), [60, 60000]);
    const [epoch] = runs(html(saved.epoch));
    assert.equal(epoch?.x, 'epoch');
    assert.deepEqual(series(epoch, 'eval_loss'), [
      [0, 1.525],
      [1, 1.6],
      [2, 1.7],
      [3, 1.8],
    ]);
    const after = runs(html(saved.after));
    assert.equal(after.length, 1, 'an evaluation after training is part of it');
    assert.deepEqual(series(after[0], 'eval_accuracy').at(-1), [60, 0.5]);
    if (saved.keras === null) return;
    const [keras] = runs([{ kind: 'stream', mime: 'text/plain', stream: 'stdout', text: saved.keras.text }]);
    for (const [key, values] of Object.entries(saved.keras.history)) {
      const read = series(keras, key);
      assert.deepEqual(
        read.map(([x]) => x),
        [1, 2, 3],
        key,
      );
      // Keras prints four decimals.
      read.forEach(([, value], i) => assert.ok(Math.abs(value - (values[i] ?? NaN)) <= 5e-5, `${key} epoch ${i + 1}: ${value}`));
    }
  });
}
