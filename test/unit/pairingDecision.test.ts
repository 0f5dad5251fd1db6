import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunStore } from '../../src/core/runStore';
import { parseReportArgs } from '../../src/core/reportArgs';
import { COMPUTED_KEYS } from '../../src/core/tokens/evalOutputsFormat';
import { isMetadataSidecar, metadataSidecarPath, parseMetadataSidecar } from '../../src/core/tokens/metadataSidecar';
import { decidePairing, type ScoredEvaluation } from '../../src/core/tokens/pairingDecision';
import { loggedValues, resolveRun } from '../../src/core/tokens/resolvedRun';
import { TokenAccumulator, type TokenSummary } from '../../src/core/tokens/tokenStatistics';

/** A summary of 100 tokens with the given accuracy and mean NLL. */
function summary(accuracy: number, meanNll: number): TokenSummary {
  const tokens = new TokenAccumulator();
  for (let i = 0; i < 100; i++) tokens.addProbabilities(i < accuracy * 100, -meanNll, -0.5);
  return tokens.summary();
}

const aligned = summary(0.4, 1.95);
const shifted = summary(0.09, 5.5);

test("the pairing whose mean NLL agrees with the logged loss is chosen, and the other's distance is said", () => {
  // The numbers: an aligned dump scored shifted gave 5.5 against a logged eval_loss of 1.94.
  const decision = decidePairing(shifted, aligned, { loss: { key: 'eval_loss', value: 1.94 } });
  assert.equal(decision.status, 'decided');
  assert.equal(decision.causalShift, false);
  assert.equal(decision.source, 'logged-loss');
  assert.equal(decision.comparisons[0]?.agrees, 'aligned');
  assert.match(
    decision.reason,
    /^Paired aligned \(no shift\), decided by the logged eval_loss: the shifted pairing's mean NLL is 5\.50 \(2\.84× the logged value\), the aligned one's 1\.95 \(\+0\.5%\), against the logged eval_loss 1\.94\.$/,
  );
  // transformers 5.x logs GPT-2's eval_loss as 127/128 of the per-token NLL: well inside the band.
  const trainer = decidePairing(summary(0.4, 1.94 * (128 / 127)), summary(0.09, 5.5), { loss: { key: 'eval_loss', value: 1.94 } });
  assert.equal(trainer.causalShift, true);
  assert.match(trainer.reason, /the shifted pairing's mean NLL is 1\.96 \(\+0\.8%\)/);
});

test('no logged value, no clear winner or checks that disagree leave the evaluation unverified, with a way to settle it', () => {
  const none = decidePairing(shifted, aligned, {});
  assert.equal(none.status, 'unverified');
  assert.equal(none.causalShift, null);
  assert.match(none.reason, /logs no eval loss or accuracy at this step.*metadata\.json.*tokenAccuracyLens\.evalOutputs\.causalShift.*--causal-shift yes\|no/);
  // A barely trained model scores both pairings alike: 2.0 and 2.5 against 2.05 is no clear winner.
  const close = decidePairing(summary(0.1, 2.5), summary(0.1, 2.0), { loss: { key: 'eval_loss', value: 2.05 } });
  assert.equal(close.status, 'unverified');
  assert.match(close.reason, /neither pairing agrees with the log within 10% while the other is at least 1\.5 times away/);
  // 2.12 is 9.3% above 1.94 (distance 0.089); 3.0 is 1.55 times it (0.436, more than three times as far): decided.
  assert.equal(decidePairing(summary(0.1, 3.0), summary(0.4, 2.12), { loss: { key: 'eval_loss', value: 1.94 } }).causalShift, false);
  assert.equal(
    decidePairing(summary(0.1, 5.5), summary(0.4, 2.3), { loss: { key: 'eval_loss', value: 1.94 } }).status,
    'unverified',
    '18% away is no agreement',
  );
  const conflict = decidePairing(shifted, aligned, { loss: { key: 'eval_loss', value: 1.94 }, accuracy: { key: 'eval_accuracy', value: 0.09 } });
  assert.equal(conflict.status, 'unverified');
  assert.match(conflict.reason, /the logged values point to different pairings/);
});

test('a predictions-only evaluation is decided by a logged accuracy', () => {
  const predictionsOnly = (accuracy: number): TokenSummary => ({ tokens: 100, correct: accuracy * 100, accuracy });
  const decision = decidePairing(predictionsOnly(0.42), predictionsOnly(0.08), { accuracy: { key: 'eval_mean_token_accuracy', value: 0.41 } });
  assert.equal(decision.causalShift, true);
  assert.equal(decision.source, 'logged-accuracy');
});

test('the logged values come from the run, never from computed series, an accuracy in percent read as a fraction', () => {
  const store = new RunStore();
  store.addPoints('/run', { path: '/run/metrics.jsonl', format: 'jsonl' }, [
    { key: 'eval_loss', step: 100, value: 2 },
    { key: 'eval_accuracy', step: 100, value: 41 },
    { key: 'eval_accuracy', step: 200, value: 45 },
  ]);
  store.addPoints('/run', { path: '/run/eval_outputs/step-300.npz', format: 'eval-outputs' }, [{ key: COMPUTED_KEYS.meanNll, step: 300, value: 1.5 }]);
  const run = store.snapshot('/run') ?? assert.fail();
  const logged = loggedValues(run);
  assert.deepEqual(logged(100), { loss: { key: 'eval_loss', value: 2 }, accuracy: { key: 'eval_accuracy', value: 0.41 } });
  assert.deepEqual(logged(300), {}, 'the computed NLL is not a logged loss');
  assert.deepEqual(loggedValues(run, { evalLoss: ['nope'], evalAccuracy: ['eval_accuracy'] })(100).accuracy, { key: 'eval_accuracy', value: 0.41 });
});

test('a run joined with an undecided evaluation gains the chosen pairing’s series, an unverified one gains nothing', () => {
  const store = new RunStore();
  store.addPoints('/run', { path: '/run/trainer_state.json', format: 'hf-trainer-state' }, [{ key: 'eval_loss', step: 100, value: 1.94 }]);
  store.replaceSource('/run', { path: '/run/eval_outputs/step-100', format: 'eval-outputs' }, []);
  const pairing = { form: 'logits', causalShift: true, causalShiftSource: 'undecided', ignoreIndex: -100, ignoreIndexSource: 'default' } as const;
  const evaluation = (step: number): ScoredEvaluation & { path: string } => ({
    path: `/run/eval_outputs/step-${step}/labels.npy`,
    step,
    problems: [],
    alignment: 'shifted',
    pairing,
    summary: shifted,
    correctness: new Uint8Array(100),
    aligned: { alignment: 'aligned', pairing: { ...pairing, causalShift: false }, summary: aligned, correctness: new Uint8Array(100).fill(1) },
  });
  const { run, evaluations } = resolveRun(store.snapshot('/run') ?? assert.fail(), [evaluation(100), evaluation(200)]);
  assert.deepEqual(run.metrics.get(COMPUTED_KEYS.accuracy), { steps: [100], values: [0.4] }, 'only step 100 has a logged loss to decide by');
  assert.equal(evaluations[0]?.status, 'decided');
  assert.deepEqual(evaluations[0]?.pairing, { ...pairing, causalShift: false, causalShiftSource: 'logged-loss' });
  assert.match(evaluations[0]?.alignment ?? '', /logits; aligned \(no shift\), from logged-loss/);
  assert.equal(evaluations[0]?.correctness[0], 1, "the aligned pairing's per-token correctness goes with it");
  assert.equal(evaluations[1]?.status, 'unverified');
  assert.equal(evaluations[1]?.summary, shifted);
});

test('report flags: --causal-shift yes|no|auto and --ignore-index N, as separate or joined values', () => {
  assert.deepEqual(parseReportArgs(['run', '--json', '--causal-shift', 'no', '--ignore-index=-1']), {
    paths: ['run'],
    json: true,
    evalOutputs: { causalShift: false, ignoreIndex: -1 },
  });
  assert.deepEqual(parseReportArgs(['--causal-shift=yes', 'a', 'b']), { paths: ['a', 'b'], json: false, evalOutputs: { causalShift: true } });
  assert.deepEqual(parseReportArgs(['a', '--causal-shift', 'auto']), { paths: ['a'], json: false, evalOutputs: {} });
  assert.deepEqual(parseReportArgs(['a', '--causal-shift', 'maybe']), { error: '--causal-shift takes yes, no or auto, not "maybe".' });
  assert.deepEqual(parseReportArgs(['a', '--ignore-index', '1.5']), { error: '--ignore-index takes an integer, not "1.5".' });
  assert.deepEqual(parseReportArgs(['a', '--ignore-index']), { error: '--ignore-index needs a value.' });
  assert.deepEqual(parseReportArgs(['a', '--verbose']), { error: 'Unknown option --verbose.' });
  assert.deepEqual(parseReportArgs(['a', '--json', '--pretty']), { paths: ['a'], json: true, pretty: true, evalOutputs: {} });
});

test('the metadata sidecar: where it is, what it may hold, and that it is never read as an evaluation', () => {
  assert.equal(metadataSidecarPath('/r/eval_outputs/step-5/labels.npy'), '/r/eval_outputs/step-5/metadata.json');
  assert.equal(metadataSidecarPath('/r/eval_outputs/step-5.npz'), '/r/eval_outputs/step-5.metadata.json');
  assert.equal(metadataSidecarPath('/r/eval_outputs/step-5.safetensors'), undefined, 'safetensors keep __metadata__');
  assert.ok(isMetadataSidecar('metadata.json') && isMetadataSidecar('step-5.metadata.json') && !isMetadataSidecar('step-5.json'));
  assert.deepEqual(parseMetadataSidecar('{"causal_shift": false, "ignore_index": -1, "step": 5, "producer": "me", "nested": {}}'), {
    metadata: { causal_shift: 'false', ignore_index: '-1', step: '5', producer: 'me' },
  });
  assert.deepEqual(parseMetadataSidecar('{"causal_shift": "true"}'), { metadata: { causal_shift: 'true' } });
  assert.match((parseMetadataSidecar('{"causal_shift": "sometimes"}') as { error: string }).error, /"causal_shift" is "sometimes"; it must be true or false/);
  assert.match((parseMetadataSidecar('{"ignore_index": 1.5}') as { error: string }).error, /must be an integer/);
  assert.match((parseMetadataSidecar('[1]') as { error: string }).error, /one JSON object/);
  assert.match((parseMetadataSidecar('{') as { error: string }).error, /not JSON/);
});
