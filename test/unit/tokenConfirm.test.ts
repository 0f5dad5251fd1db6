import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { TokenAccumulator } from '../../src/core/tokens/tokenStatistics';
import { withOutputEvidence } from '../../src/node/tokens/confirmWarnings';
import { evalOutputsStore } from '../../src/node/tokens/evalOutputsReader';
import { misleadingRunPoints } from '../fixtures/runs';

/** An evaluation of 400 tokens: the first `right` correct, each with the given NLL, confident at `confidence`. */
function evaluation(right: number, nllRight: number, nllWrong: number, confidence: number): { summary: ReturnType<TokenAccumulator['summary']>; correctness: Uint8Array } {
  const tokens = new TokenAccumulator();
  for (let i = 0; i < 400; i++) tokens.addProbabilities(i < right, i < right ? -nllRight : -nllWrong, Math.log(confidence));
  return { summary: tokens.summary(), correctness: tokens.correctnessView() };
}

test('warning (a) is confirmed by the paired test when the run has outputs at the least-loss and last evaluations', () => {
  const run = '/ws/confirmed';
  const store = new RunStore();
  store.addPoints(run, { path: `${run}/trainer_state.json`, format: 'hf-trainer-state' }, misleadingRunPoints());
  const view = buildRunView(store.snapshot(run) ?? assert.fail(), 'confirmed');
  const warning = view.warnings.find((candidate) => candidate.kind === 'misleading-loss');
  assert.ok(warning !== undefined, 'the fixture run shows misleading loss');
  assert.deepEqual([warning.startStep, warning.step], [300, 1000]);
  assert.equal(withOutputEvidence(view), view, 'without outputs nothing changes');

  // 160 → 200 of 400 tokens right (40 turned right, none wrong: p = 2^-39); the wrong ones got far more expensive.
  const alignment = 'compact; aligned (no shift), from metadata; ignore index -100, from metadata';
  evalOutputsStore.set(run, { path: `${run}/eval_outputs/step-300.safetensors`, step: 300, alignment, problems: [], ...evaluation(160, 0.5, 2.5, 0.5) });
  evalOutputsStore.set(run, { path: `${run}/eval_outputs/step-1000.safetensors`, step: 1000, alignment, problems: [], ...evaluation(200, 0.3, 5, 0.9) });
  const confirmed = withOutputEvidence(view).warnings.find((candidate) => candidate.kind === 'misleading-loss');
  assert.equal(confirmed?.confidence, 'high');
  assert.match(confirmed?.message ?? '', /The evaluation outputs confirm it: 40 tokens became right and 0 wrong \(McNemar p = 1\.8e-12\), and \d+% of the loss rise is on tokens the model gets wrong\./);
  assert.equal(confirmed?.evidence['tokensNowRight'], 40);
  assert.ok(Math.abs((confirmed?.evidence['pairedTestP'] ?? 0) - 2 ** -39) < 1e-20);
  // ΔNLL = 0.5·0.3 + 0.5·5 − (0.4·0.5 + 0.6·2.5) = 0.95; the wrong-token term is (1 − 0.45)·2.5 = 1.375.
  assert.ok(Math.abs((confirmed?.evidence['nllChangeOnWrongTokens'] ?? 0) - 1.375) < 1e-9);

  // The same rise with accuracy unchanged: the numbers are added, the warning is not upgraded.
  evalOutputsStore.set(run, { path: `${run}/eval_outputs/step-1000.safetensors`, step: 1000, alignment, problems: [], ...evaluation(160, 0.3, 5, 0.9) });
  const unconfirmed = withOutputEvidence(view).warnings.find((candidate) => candidate.kind === 'misleading-loss');
  assert.equal(unconfirmed?.confidence, warning.confidence);
  assert.equal(unconfirmed?.message, warning.message);
  assert.equal(unconfirmed?.evidence['pairedTestP'], 1);
});
