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
  // [batch, seq] predictions with no metadata: both pairings are scored; the logged accuracy (0.41 at step 200)
  // agrees with neither (shifted 3/3, aligned 0/5), so the evaluation is unverified and adds no point.
  writeFileSync(
    join(outputs, 'step-200.safetensors'),
    predictionsSafetensors(
      [
        [5, 6, 7],
        [8, 9, -100],
      ],
      [
        [6, 7, 0],
        [9, 1, 0],
      ],
    ),
  );
  const document = await report([dir]);
  const run = document.runs[0];
  assert.ok(run);
  assert.deepEqual(run.metrics[COMPUTED_KEYS.accuracy], { steps: [100], values: [2 / 3] }, "the unverified evaluation is not the run's accuracy");
  const [compact, bare] = run.evaluations ?? [];
  assert.deepEqual(compact, {
    path: join(outputs, 'step-100.safetensors'),
    step: 100,
    pairing: { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'default' },
    status: 'decided',
    statistics: compact?.statistics ?? assert.fail(),
    accuracy: 2 / 3,
    meanNll: compact?.meanNll ?? null,
  });
  assert.deepEqual(bare?.pairing, { form: 'predictions', causalShift: true, causalShiftSource: 'undecided', ignoreIndex: -100, ignoreIndexSource: 'default' });
  assert.equal(bare?.status, 'unverified');
  assert.equal(bare?.accuracy, null, 'no accuracy is claimed for an unverified pairing');
  assert.deepEqual(bare?.pairings, { shifted: { accuracy: 1, meanNll: null }, aligned: { accuracy: 0, meanNll: null } });
  assert.deepEqual(bare?.pairingCheck?.comparisons, [
    { against: 'logged-accuracy', key: 'eval_mean_token_accuracy', logged: 0.4 + 0.01 * 1, shifted: 1, aligned: 0, agrees: null },
  ]);
  assert.match(
    bare?.pairingCheck?.reason ?? '',
    /neither pairing agrees .* metadata\.json .* tokenAccuracyLens\.evalOutputs\.causalShift, or `report --causal-shift yes\|no`/,
  );
  assert.ok(
    document.problems.some((problem) => problem.path === bare?.path && /Nothing says how these tokens pair/.test(problem.message)),
    'a problem says how to settle it',
  );
  // What the compact form cannot give says so instead of a number; an unverified evaluation gives none.
  const statistics = compact?.statistics ?? assert.fail();
  // One token in each of three bins: the wrong one at confidence e^−0.5 has the largest gap (log-probabilities are float32).
  assert.ok(
    typeof statistics.maxCalibrationError === 'number' && Math.abs(statistics.maxCalibrationError - Math.exp(-0.5)) < 1e-7,
    `MCE ${String(statistics.maxCalibrationError)}`,
  );
  for (const key of ['brier', 'meanLabelRank', 'meanEntropy', 'top5Accuracy', 'temperature'] as const)
    assert.equal(statistics[key], 'not available: needs logits', key);
  assert.equal(bare?.statistics, undefined);
  const text = formatText(document);
  assert.match(text, /\n {2}tokens paired as compact; aligned \(no shift\), from metadata; ignore index -100, from default \(step 100\)\n/);
  assert.match(
    text,
    /\n {2}tokens paired as predictions; pairing unverified \(scored shifted and aligned, nothing settled which\); ignore index -100, from default \(step 200\)\n/,
  );
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
