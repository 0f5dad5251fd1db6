import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { TokenAccumulator } from '../../src/core/tokens/tokenStatistics';
import type { ResolvedEvaluation } from '../../src/core/tokens/resolvedRun';
import type { SequenceRuns } from '../../src/core/tokens/sequenceRuns';
import { confirmCheckpointDisagreement } from '../../src/core/tokens/confirmWarning';
import { withOutputEvidence } from '../../src/node/tokens/confirmWarnings';
import { resolveStoredRun } from '../../src/node/tokens/resolvedEvaluations';
import { EvaluationContext } from '../../src/node/tokens/evaluationContext';
import { reportPaths } from '../../src/node/reportPaths';
import { compactSafetensors } from './tokenFiles';
import { misleadingRunPoints } from '../fixtures/runs';

/**
 * An evaluation of 400 tokens: the first `right` correct, each with the given NLL, confident at `confidence`.
 * Token i is from sequence i mod 40, so a change of the first tokens is spread over every sequence.
 */
function evaluation(
  right: number,
  nllRight: number,
  nllWrong: number,
  confidence: number,
): { summary: ReturnType<TokenAccumulator['summary']>; correctness: Uint8Array; sequences: SequenceRuns } {
  const tokens = new TokenAccumulator();
  for (let i = 0; i < 400; i++) tokens.addProbabilities(i < right, i < right ? -nllRight : -nllWrong, Math.log(confidence));
  const ids = Array.from({ length: 400 }, (_, i) => i % 40);
  return { summary: tokens.summary(), correctness: tokens.correctnessView(), sequences: { ids, lengths: ids.map(() => 1) } };
}

const resolved = (store: RunStore, run: string, context: EvaluationContext): ResolvedEvaluation[] => [
  ...resolveStoredRun(store.snapshot(run) ?? assert.fail(), context.outputs).evaluations,
];

test('warning (a) is confirmed by the paired test when the run has outputs at the least-loss and last evaluations', () => {
  const run = '/ws/confirmed';
  const store = new RunStore();
  store.addPoints(run, { path: `${run}/trainer_state.json`, format: 'hf-trainer-state' }, misleadingRunPoints());
  const view = buildRunView(store.snapshot(run) ?? assert.fail(), 'confirmed');
  const warning = view.warnings.find((candidate) => candidate.kind === 'misleading-loss');
  assert.ok(warning !== undefined, 'the fixture run shows misleading loss');
  assert.deepEqual([warning.startStep, warning.step], [300, 1000]);
  const context = new EvaluationContext({ workerScript: undefined });
  assert.equal(withOutputEvidence(view, resolved(store, run, context), context.samples), view, 'without outputs nothing changes');

  // 160 → 200 of 400 tokens right (40 turned right, none wrong: p = 2^-39); the wrong ones got far more expensive.
  const alignment = 'compact; aligned (no shift), from metadata; ignore index -100, from metadata';
  const pairing = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;
  context.outputs.set(run, {
    path: `${run}/eval_outputs/step-300.safetensors`,
    step: 300,
    alignment,
    pairing,
    problems: [],
    ...evaluation(160, 0.5, 2.5, 0.5),
  });
  context.outputs.set(run, {
    path: `${run}/eval_outputs/step-1000.safetensors`,
    step: 1000,
    alignment,
    pairing,
    problems: [],
    ...evaluation(200, 0.3, 5, 0.9),
  });
  const confirmed = withOutputEvidence(view, resolved(store, run, context), context.samples).warnings.find((candidate) => candidate.kind === 'misleading-loss');
  assert.equal(confirmed?.confidence, 'high');
  // One token of each of the 40 sequences turned right: Durkalski's X² = (40 · 0.1)² / (40 · 0.01) = 40.
  assert.match(
    confirmed?.message ?? '',
    /The evaluation outputs confirm it: 40 tokens became right and 0 wrong \(McNemar clustered by sequence, 40 sequences, p = 2\.5e-10\), and the tokens the model gets wrong add \+1\.375 nats, more than the whole rise of \+0\.950 \(145% of it: the other terms of the split lower it by 0\.425\)\./,
  );
  assert.equal(confirmed?.evidence['tokensNowRight'], 40);
  assert.equal(confirmed?.evidence['pairedTestSequences'], 40);
  // ΔNLL = 0.5·0.3 + 0.5·5 − (0.4·0.5 + 0.6·2.5) = 0.95; the wrong-token term is (1 − 0.45)·2.5 = 1.375.
  assert.ok(Math.abs((confirmed?.evidence['nllChangeOnWrongTokens'] ?? 0) - 1.375) < 1e-9);

  // The same rise with accuracy unchanged: the numbers are added, the warning is not upgraded.
  context.outputs.set(run, {
    path: `${run}/eval_outputs/step-1000.safetensors`,
    step: 1000,
    alignment,
    pairing,
    problems: [],
    ...evaluation(160, 0.3, 5, 0.9),
  });
  const unconfirmed = withOutputEvidence(view, resolved(store, run, context), context.samples).warnings.find(
    (candidate) => candidate.kind === 'misleading-loss',
  );
  assert.equal(unconfirmed?.confidence, warning.confidence);
  assert.equal(unconfirmed?.message, warning.message);
  assert.equal(unconfirmed?.evidence['pairedTestP'], 1);
});

test('the command-line report confirms warning (a) from evaluation outputs beside the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-confirm-'));
  try {
    const lines = misleadingRunPoints()
      .filter((point) => point.key !== 'loss')
      .reduce(
        (byStep, point) => byStep.set(point.step, { ...byStep.get(point.step), step: point.step, [point.key]: point.value }),
        new Map<number, Record<string, number>>(),
      );
    writeFileSync(join(dir, 'metrics.jsonl'), [...lines.values()].map((line) => JSON.stringify(line)).join('\n') + '\n');
    mkdirSync(join(dir, 'eval_outputs'));
    const tokens = (right: number, nllRight: number, nllWrong: number): Uint8Array => {
      const labels = Array.from({ length: 400 }, (_, i) => i % 50);
      const predictions = labels.map((label, i) => (i < right ? label : label + 1));
      const nll = labels.map((_, i) => (i < right ? nllRight : nllWrong));
      return compactSafetensors(
        labels,
        predictions,
        nll.map((value) => -value),
        nll.map(() => Math.log(0.9)),
      );
    };
    writeFileSync(join(dir, 'eval_outputs', 'step-300.safetensors'), tokens(160, 0.5, 2.5));
    writeFileSync(join(dir, 'eval_outputs', 'step-1000.safetensors'), tokens(200, 0.3, 5));
    const report = await reportPaths([dir], { cacheDirectory: join(dir, '.cache'), workerScript: undefined });
    const run = report.runs.find((candidate) => candidate.id === dir);
    assert.deepEqual(run?.roles, { evalLoss: 'eval_loss', evalAccuracy: 'eval_mean_token_accuracy', trainLoss: null }, 'the logged keys keep their roles');
    const warning = run?.warnings.find((candidate) => candidate.kind === 'misleading-loss');
    // Flat compact outputs without `sequence_index` do not say which tokens share a sequence: the paired test
    // says so and lifts nothing above medium (this warning is high by its own trend tests already).
    assert.equal(warning?.confidence, 'high');
    assert.match(
      warning?.message ?? '',
      /The evaluation outputs confirm it: 40 tokens became right and 0 wrong \(McNemar p = 1\.8e-12, tokens assumed independent/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a confirming paired test lifts a warning from fewer than 8 evaluations no higher than low; with 8 or more it counts sequences', () => {
  const test = { onlyFirst: 2, onlySecond: 40, pValue: 1e-6, method: 'clustered-mcnemar', sequences: 40, tokens: 4000 } as const;
  const warning = (evaluations: number) => ({
    kind: 'checkpoint-disagreement',
    confidence: 'low',
    message: 'The best checkpoint by loss is not the best by accuracy.',
    evidence: { evaluations },
  });
  assert.equal(confirmCheckpointDisagreement(warning(5), test)?.confidence, 'low');
  assert.equal(confirmCheckpointDisagreement(warning(8), test)?.confidence, 'high');
  assert.equal(confirmCheckpointDisagreement(warning(8), { ...test, method: 'exact-mcnemar', sequences: null })?.confidence, 'medium');
});
