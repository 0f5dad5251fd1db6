import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatText } from '../../src/core/reportText';
import { reportPaths as report } from '../../src/node/reportPaths';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { SAMPLES_DIR, samplesSkipReason, trainerStateText } from './helpers';
import { compactSafetensors, predictionsSafetensors } from './tokenFiles';

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tal-cli-'));
  mkdirSync(join(dir, 'sft'));
  const history = Array.from({ length: 10 }, (_, k) => ({
    eval_loss: 2 + 0.05 * (k - 2) ** 2,
    eval_mean_token_accuracy: 0.4 + 0.01 * k,
    step: (k + 1) * 100,
  }));
  writeFileSync(join(dir, 'sft', 'trainer_state.json'), trainerStateText([{ loss: '__NaN__', step: 50 }, ...history]));
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'x', 'trainer_state.json'), '{');
  writeFileSync(join(dir, 'data.jsonl'), '{"instruction": "not a log"}\n');
  return dir;
}

test('report --json follows the documented contract', async () => {
  const dir = fixture();
  const document = await report([dir]);
  assert.equal(document.runs.length, 1);
  const run = document.runs[0];
  assert.ok(run);
  assert.equal(run.id, join(dir, 'sft'));
  assert.deepEqual(run.sources, [{ path: join(dir, 'sft', 'trainer_state.json'), format: 'hf-trainer-state' }]);
  assert.deepEqual(run.roles, { evalLoss: 'eval_loss', evalAccuracy: 'eval_mean_token_accuracy', trainLoss: 'loss' });
  assert.deepEqual(run.metrics['loss'], { steps: [50], values: [null] }, 'non-finite values are null');
  assert.equal(run.metrics['eval_loss']?.steps.length, 10);
  assert.deepEqual(run.best.byLoss?.step, 300);
  assert.deepEqual(run.best.byAccuracy?.step, 1000);
  // The NaN train log at step 50 is rule (d): a run that logged a non-finite loss has broken down once.
  assert.deepEqual(run.warnings.map((w) => w.kind).sort(), ['checkpoint-disagreement', 'instability', 'misleading-loss']);
  for (const warning of run.warnings) assert.deepEqual(Object.keys(warning).sort(), ['confidence', 'evidence', 'form', 'kind', 'message', 'startStep', 'step']);
  const misleading = run.warnings.find((warning) => warning.kind === 'misleading-loss');
  assert.equal(misleading?.startStep, 300);
  assert.equal(misleading?.evidence['bestLossStep'], 300);
  assert.deepEqual(document.problems, []);
  assert.match(formatText(document), /best by loss: +step 300/);
  rmSync(dir, { recursive: true });
});

test('the report says how computed token accuracy paired tokens, and where each choice came from', async () => {
  const dir = fixture();
  const outputs = join(dir, 'sft', 'eval_outputs');
  mkdirSync(outputs);
  // Compact outputs whose metadata says they are aligned; the ignore index is the default.
  writeFileSync(join(outputs, 'step-100.safetensors'), compactSafetensors([1, 2, 3, -100], [1, 2, 0, 5], [-0.1, -0.2, -3, 0], [-0.1, -0.2, -0.5, 0]));
  // [batch, seq] predictions with no metadata: shifted by default, so each row's last prediction has no label.
  writeFileSync(join(outputs, 'step-200.safetensors'), predictionsSafetensors([[5, 6, 7], [8, 9, -100]], [[6, 7, 0], [9, 1, 0]]));
  const document = await report([dir]);
  const run = document.runs[0];
  assert.ok(run);
  assert.deepEqual(run.metrics[COMPUTED_KEYS.accuracy], { steps: [100, 200], values: [2 / 3, 1] }, 'shifted, step 200 gets all three scored tokens right');
  assert.deepEqual(run.evaluations?.map(({ path, step, pairing }) => ({ path, step, pairing })), [
    { path: join(outputs, 'step-100.safetensors'), step: 100, pairing: { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'default' } },
    { path: join(outputs, 'step-200.safetensors'), step: 200, pairing: { form: 'predictions', causalShift: true, causalShiftSource: 'default', ignoreIndex: -100, ignoreIndexSource: 'default' } },
  ]);
  // What the compact form and bare predictions cannot give says so instead of a number.
  const [compact, predictions] = [run.evaluations?.[0]?.statistics, run.evaluations?.[1]?.statistics];
  assert.ok(compact !== undefined && predictions !== undefined);
  // One token in each of three bins: the wrong one at confidence e^−0.5 has the largest gap (log-probabilities are float32).
  assert.ok(typeof compact.maxCalibrationError === 'number' && Math.abs(compact.maxCalibrationError - Math.exp(-0.5)) < 1e-7, `MCE ${String(compact.maxCalibrationError)}`);
  for (const key of ['brier', 'meanLabelRank', 'meanEntropy', 'top5Accuracy', 'temperature'] as const) assert.equal(compact[key], 'not available: needs logits', key);
  assert.equal(predictions.meanNll, 'not available: needs label and max log-probabilities, or logits');
  assert.equal(predictions.brier, 'not available: needs logits');
  assert.equal(predictions.accuracy, 1);
  const text = formatText(document);
  assert.match(text, /\n {2}tokens paired as compact; aligned \(no shift\), from metadata; ignore index -100, from default \(step 100\)\n/);
  assert.match(text, /\n {2}tokens paired as predictions; shifted \(position t predicts label t\+1\), from default; ignore index -100, from default \(step 200\)\n/);
  const plain = await report([join(dir, 'sft', 'trainer_state.json')]);
  assert.equal(plain.runs[0]?.evaluations, undefined, 'a run without evaluation outputs has no such field');
  assert.doesNotMatch(formatText(plain), /tokens paired/);
  rmSync(dir, { recursive: true });
});

test('a missing path is a problem, not a crash', async () => {
  const document = await report(['/definitely/not/here']);
  assert.deepEqual(document.runs, []);
  assert.match(document.problems[0]?.message ?? '', /No such file/);
});

test('the bundled CLI prints JSON and exits 0', () => {
  const dir = fixture();
  const cli = resolve(__dirname, '../../../dist/cli.js');
  const output = JSON.parse(execFileSync(process.execPath, [cli, 'report', dir, '--json'], { encoding: 'utf8' })) as { runs: unknown[] };
  assert.equal(output.runs.length, 1);
  assert.throws(() => execFileSync(process.execPath, [cli, 'bogus'], { stdio: 'pipe' }), /Usage/);
  rmSync(dir, { recursive: true });
});

test('real trainer states report as one run each, with their eval loss found', { skip: samplesSkipReason('trainer_state') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-samples-'));
  const samples = readdirSync(join(SAMPLES_DIR, 'trainer_state')).filter((name) => name.endsWith('trainer_state.json'));
  for (const name of samples) {
    mkdirSync(join(dir, name));
    copyFileSync(join(SAMPLES_DIR, 'trainer_state', name), join(dir, name, 'trainer_state.json'));
  }
  const lfs = readdirSync(join(SAMPLES_DIR, 'trainer_state')).find((name) => name.endsWith('.LFS_POINTER'));
  if (lfs !== undefined) {
    mkdirSync(join(dir, 'lfs'));
    copyFileSync(join(SAMPLES_DIR, 'trainer_state', lfs), join(dir, 'lfs', 'trainer_state.json'));
  }
  const document = await report([dir]);
  assert.equal(document.runs.filter((run) => run.id !== join(dir, 'lfs')).length, samples.length);
  for (const run of document.runs) if (run.id !== join(dir, 'lfs')) assert.notEqual(run.roles.evalLoss ?? run.roles.trainLoss, null, run.id);
  if (lfs !== undefined) assert.match(document.problems.find((p) => p.path.includes('lfs'))?.message ?? '', /Git LFS pointer/);
  rmSync(dir, { recursive: true });
});
