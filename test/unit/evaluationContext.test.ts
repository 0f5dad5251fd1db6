import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogIngest } from '../../src/node/logIngest';
import { RunSession } from '../../src/node/runSession';
import { EvaluationContext } from '../../src/node/tokens/evaluationContext';
import { waitFor } from './sessionWait';
import { compactSafetensors } from './tokenFiles';

const dir = mkdtempSync(join(tmpdir(), 'tal-eval-context-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const evaluation = compactSafetensors([1, 2, 3, -100], [1, 2, 0, 5], [-0.1, -0.2, -3, 0], [-0.1, -0.2, -0.5, 0]);

function runWithEvaluation(name: string): { root: string; run: string } {
  const root = join(dir, name);
  const run = join(root, 'sft');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  writeFileSync(join(run, 'eval_outputs', 'step-10.safetensors'), evaluation);
  return { root, run };
}

test('two sessions in one process keep their own evaluations: one session\u2019s outputs never reach the other\u2019s views', async () => {
  const first = runWithEvaluation('first');
  const second = runWithEvaluation('second');
  const sessions = [first, second].map(
    ({ root }) => new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined }),
  );
  const [a, b] = sessions as [RunSession, RunSession];
  try {
    await a.watch([first.root]);
    await waitFor(a, () => a.calibration(first.run) !== null);
    await b.watch([second.root]);
    await waitFor(b, () => b.calibration(second.run) !== null);
    // With the process's one store, each session showed the other's evaluations as its own.
    assert.equal(a.calibration(second.run), null);
    assert.equal(b.calibration(first.run), null);
    await a.restart();
    assert.equal(b.calibration(second.run)?.runId, second.run, 'a session starting over leaves the other\u2019s evaluations alone');
  } finally {
    await Promise.all(sessions.map((session) => session.dispose()));
  }
});

test('an ingest reads evaluations into the context it was handed, and one of its own otherwise', async () => {
  const { run } = runWithEvaluation('ingest');
  const path = join(run, 'eval_outputs', 'step-10.safetensors');
  const shared = new EvaluationContext({ cacheDirectory: join(dir, 'ingest-cache'), workerScript: undefined });
  const handed = new LogIngest(undefined, { retryIncomplete: false, evaluations: shared });
  const alone = new LogIngest(undefined, { retryIncomplete: false });
  await handed.ingest(path);
  assert.equal(handed.evaluations, shared);
  assert.deepEqual(
    shared.outputs.evaluations(run).map((read) => read.step),
    [10],
  );
  assert.notEqual(alone.evaluations, shared);
  assert.deepEqual(alone.evaluations.outputs.evaluations(run), []);
  handed.dispose();
  assert.deepEqual(shared.outputs.evaluations(run), [], 'a reader ended takes its evaluation with it');
  alone.dispose();
  await shared.dispose();
});
