import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { accuracyDefinition, assignRoles } from '../../src/core/analysis/metricRoles';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { LogIngest } from '../../src/node/logIngest';
import { EvaluationContext } from '../../src/node/tokens/evaluationContext';
import { samplesSkipReason, SAMPLES_DIR } from './helpers';
import { numpySkipReason, REPO_ROOT, runPython, runTorchPython, torchSkipReason } from './tokenPython';

const dir = mkdtempSync(join(tmpdir(), 'tal-eval-ingest-'));
const workerScript = join(REPO_ROOT, 'dist/evalWorker.js');
after(() => rmSync(dir, { recursive: true, force: true }));

test("the Python helper's dumps, read through the ingest in a worker, match numpy and join the run", { skip: numpySkipReason }, async () => {
  const run = join(dir, 'run');
  const expected = JSON.parse(runPython([join(REPO_ROOT, 'test/fixtures/tokens/helper_dump.py'), REPO_ROOT, run])) as Record<string, Record<string, number>>;
  const cacheDirectory = join(dir, 'cache');
  const context = new EvaluationContext({ cacheDirectory, workerScript: existsSync(workerScript) ? workerScript : undefined });
  const ingest = new LogIngest(undefined, { retryIncomplete: true, evaluations: context });
  for (const name of readdirSync(join(run, 'eval_outputs'))) await ingest.ingest(join(run, 'eval_outputs', name));
  const snapshot = ingest.store.snapshot(run);
  assert.ok(snapshot !== undefined, 'the run is the folder that holds eval_outputs/');
  const accuracy = snapshot.metrics.get(COMPUTED_KEYS.accuracy);
  assert.deepEqual(accuracy?.steps, [100, 200, 300], 'step 300 went through the Trainer hooks');
  assert.deepEqual(accuracy?.values, [expected['100']?.['accuracy'], expected['200']?.['accuracy'], expected['300']?.['accuracy']]);
  const nll = snapshot.metrics.get(COMPUTED_KEYS.meanNll);
  for (const [i, step] of ['100', '200', '300'].entries()) {
    assert.ok(Math.abs((nll?.values[i] ?? NaN) - (expected[step]?.['meanNll'] ?? NaN)) < 1e-5, `NLL at ${step}`);
    assert.equal(snapshot.metrics.get(COMPUTED_KEYS.tokens)?.values[i], expected[step]?.['tokens']);
  }
  assert.equal(assignRoles([...snapshot.metrics.keys()]).evalAccuracy, COMPUTED_KEYS.accuracy, 'computed accuracy is the accuracy when the run logs none');
  assert.equal(assignRoles([...snapshot.metrics.keys(), 'eval_accuracy']).evalAccuracy, 'eval_accuracy', 'a logged accuracy comes first');
  assert.equal(assignRoles([...snapshot.metrics.keys()]).evalLoss, COMPUTED_KEYS.meanNll, 'computed NLL is the eval loss of a run that logs none');
  assert.equal(assignRoles([...snapshot.metrics.keys(), 'eval_loss']).evalLoss, 'eval_loss');
  assert.equal(accuracyDefinition(COMPUTED_KEYS.accuracy), 'computed-token-accuracy');
  const evaluations = context.outputs.evaluations(run);
  assert.deepEqual(
    evaluations.map((evaluation) => evaluation.step),
    [100, 200, 300],
  );
  assert.match(evaluations[0]?.alignment ?? '', /compact; aligned \(no shift\), from metadata; ignore index -100, from metadata/);
  const evidence = context.outputs.evidence(run, 100, 200);
  assert.equal(evidence?.mcnemar.onlyFirst, 0, 'sharpening logits never changes the argmax');
  assert.ok((evidence?.split.wrongTokens ?? 0) > (evidence?.split.change ?? Infinity) / 2, 'the rise is on wrong tokens');
  assert.equal(readdirSync(cacheDirectory).filter((name) => name.endsWith('.json')).length, 3, 'every result cached');

  // A restart reads the cache: with the worker script gone, the numbers still come back the same.
  await context.dispose();
  const restarted = new EvaluationContext({ cacheDirectory, workerScript: join(dir, 'no-such-worker.js') });
  const again = new LogIngest(undefined, { retryIncomplete: true, evaluations: restarted });
  for (const name of readdirSync(join(run, 'eval_outputs'))) await again.ingest(join(run, 'eval_outputs', name));
  assert.deepEqual(again.store.snapshot(run)?.metrics.get(COMPUTED_KEYS.meanNll), nll);
  assert.deepEqual(
    restarted.outputs.evaluations(run).map((evaluation) => [...evaluation.correctness]),
    evaluations.map((evaluation) => [...evaluation.correctness]),
    'per-token correctness comes back from the cache bit for bit',
  );
  assert.deepEqual(restarted.outputs.evidence(run, 100, 200), evidence);
  await restarted.dispose();
});

test('real sample: a BERT classifier’s predictions.npy and test_labels.npy give its accuracy', { skip: samplesSkipReason('npy') }, async () => {
  const folder = join(dir, 'bert', 'eval_outputs', 'step-1');
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(SAMPLES_DIR, 'npy/ErenFreedom__BERT_NLP_Assignment1__predictions.npy'), join(folder, 'predictions.npy'));
  copyFileSync(join(SAMPLES_DIR, 'npy/ErenFreedom__BERT_NLP_Assignment1__test_labels.npy'), join(folder, 'test_labels.npy'));
  const context = new EvaluationContext({ cacheDirectory: join(dir, 'cache-bert'), workerScript: undefined });
  const ingest = new LogIngest(undefined, { retryIncomplete: true, evaluations: context });
  await ingest.ingest(join(folder, 'test_labels.npy'));
  const accuracy = ingest.store.snapshot(join(dir, 'bert'))?.metrics.get(COMPUTED_KEYS.accuracy);
  // Counted here independently from the raw int64 arrays (128-byte .npy headers).
  const { readFileSync } = await import('node:fs');
  const predictions = new BigInt64Array(readFileSync(join(folder, 'predictions.npy')).buffer.slice(128));
  const labels = new BigInt64Array(readFileSync(join(folder, 'test_labels.npy')).buffer.slice(128));
  const same = predictions.filter((value, i) => value === labels[i]).length;
  assert.equal(labels.length, 1662);
  assert.deepEqual(accuracy, { steps: [1], values: [same / labels.length] });
  assert.equal(context.outputs.evaluations(join(dir, 'bert'))[0]?.alignment, 'predictions; aligned (no shift), from layout; ignore index -100, from default');
});

test('real sample: model weights in safetensors are not an evaluation, and say why', { skip: samplesSkipReason('safetensors') }, async () => {
  const folder = join(dir, 'weights', 'eval_outputs');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'step-5.safetensors');
  copyFileSync(join(SAMPLES_DIR, 'safetensors/adwait1-g__Tiny-AI-Assistant__model__model.safetensors'), path);
  const context = new EvaluationContext({ cacheDirectory: join(dir, 'cache-weights'), workerScript: undefined });
  const ingest = new LogIngest(() => undefined, { retryIncomplete: false, evaluations: context });
  await ingest.ingest(path);
  const problem = ingest.problems().find((entry) => entry.path === path);
  assert.match(problem?.message ?? '', /No labels among the tensors \(transformer\.h\.0\.attn\.c_attn\.bias/);
});

test("the dump helper's torch path, driven as the Trainer drives it, writes what numpy computes", { skip: torchSkipReason }, async () => {
  const run = join(dir, 'torch-run');
  const expected = JSON.parse(runTorchPython([join(REPO_ROOT, 'test/fixtures/tokens/helper_torch.py'), REPO_ROOT, run])) as Record<string, number>;
  const context = new EvaluationContext({ cacheDirectory: join(dir, 'cache-torch'), workerScript: undefined });
  const ingest = new LogIngest(undefined, { retryIncomplete: true, evaluations: context });
  await ingest.ingest(join(run, 'eval_outputs', 'step-42.safetensors'));
  const metrics = ingest.store.snapshot(run)?.metrics;
  assert.deepEqual(metrics?.get(COMPUTED_KEYS.tokens), { steps: [42], values: [expected['tokens']] }, 'padding and ignored positions are not scored');
  assert.deepEqual(metrics?.get(COMPUTED_KEYS.accuracy)?.values, [expected['accuracy']]);
  assert.ok(Math.abs((metrics?.get(COMPUTED_KEYS.meanNll)?.values[0] ?? NaN) - (expected['meanNll'] ?? NaN)) < 1e-5);
});
