import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { confirmCheckpointDisagreement, confirmMisleadingLoss, type ConfirmableWarning } from '../../src/core/tokens/confirmWarning';
import { mcnemarExact, misleadingLossEvidence, pairedNllTest, pairedTokenTest } from '../../src/core/tokens/evaluationComparison';
import type { ResolvedEvaluation } from '../../src/core/tokens/resolvedRun';
import type { SequenceRuns } from '../../src/core/tokens/sequenceRuns';
import { TokenAccumulator } from '../../src/core/tokens/tokenStatistics';
import { withOutputEvidence } from '../../src/node/tokens/confirmWarnings';
import { SampleResultsStore } from '../../src/node/tokens/sampleResultsReader';
import { computeEvalFile } from '../../src/node/tokens/evalFileStats';
import { compactSafetensors } from './tokenFiles';

/**
 * Two evaluations of `sequences.length` sequences of `length` tokens: in sequence k, `onlyFirst[k]` tokens
 * right in the first and wrong in the second, `onlySecond[k]` the reverse, the rest wrong in both. Wrong
 * tokens cost more in the second, so the loss rises mostly on them (warning (a)'s shape).
 */
function pair(onlyFirst: readonly number[], onlySecond: readonly number[], length: number, withSequences = true) {
  const first = new TokenAccumulator();
  const second = new TokenAccumulator();
  const ids: number[] = [];
  onlyFirst.forEach((b, k) => {
    const c = onlySecond[k] as number;
    for (let t = 0; t < length; t++) {
      const right1 = t < b;
      const right2 = t >= b && t < b + c;
      first.addProbabilities(right1, right1 ? -0.5 : -2, -0.4);
      second.addProbabilities(right2, right2 ? -0.3 : -4, -0.1);
      ids.push(k);
    }
  });
  const sequences: SequenceRuns | undefined = withSequences ? { ids: onlyFirst.map((_, k) => k), lengths: onlyFirst.map(() => length) } : undefined;
  return {
    first: { summary: first.summary(), correctness: first.correctnessView(), ...(sequences === undefined ? {} : { sequences }) },
    second: { summary: second.summary(), correctness: second.correctnessView(), ...(sequences === undefined ? {} : { sequences }) },
  };
}

// The example: 3,968 tokens of 32 sequences of 124; 36 tokens turned wrong and 66 right.
const B = [1, 2, 0, 1, 2, 2, 2, 1, 2, 0, 2, 1, 2, 0, 0, 2, 1, 2, 0, 2, 0, 1, 2, 1, 2, 1, 1, 1, 0, 0, 0, 2];
const C = [0, 1, 3, 3, 5, 2, 0, 3, 3, 2, 0, 1, 1, 2, 3, 2, 0, 3, 2, 1, 4, 2, 0, 3, 0, 2, 2, 2, 3, 0, 3, 8];

const PAIRING = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;

const warning: ConfirmableWarning = { kind: 'misleading-loss', confidence: 'medium', message: 'Eval loss is up.', evidence: {} };

test("Durkalski's clustered McNemar on the issue's example: plain p = 0.0039, clustered p = 0.0137, not confirmed at 0.01", () => {
  const { first, second } = pair(B, C, 124);
  assert.equal(first.correctness.length, 3968);
  // scipy.stats.binomtest(36, 102, 0.5).pvalue = 0.003865583588338323
  assert.ok(Math.abs((mcnemarExact(first.correctness, second.correctness)?.pValue ?? NaN) - 0.003865583588338323) < 1e-12);
  // By hand: dₖ = (bₖ − cₖ)/124, so X² = (Σ(bₖ − cₖ))² / Σ(bₖ − cₖ)² = (−30)² / 148 = 6.0811 (28 sequences changed);
  // scipy.stats.chi2.sf(900 / 148, 1) = 0.013663712868181228.
  const clustered = pairedTokenTest(first, second);
  assert.equal(clustered?.method, 'clustered-mcnemar');
  assert.equal(clustered?.sequences, 32);
  assert.equal(clustered?.tokens, 3968);
  assert.deepEqual([clustered?.onlyFirst, clustered?.onlySecond], [36, 66]);
  assert.ok(Math.abs((clustered?.pValue ?? NaN) - 0.013663712868181228) < 1e-8, `p = ${clustered?.pValue}`);
  const evidence = misleadingLossEvidence(first, second);
  assert.ok(evidence !== undefined && evidence.split.wrongTokens > evidence.split.change / 2, 'the rise is on wrong tokens');
  assert.equal(evidence.confirmed, false, 'p = 0.014 does not confirm at p ≤ 0.01');
  const checked = confirmMisleadingLoss(warning, evidence);
  assert.equal(checked?.confidence, 'medium');
  assert.equal(checked?.message, warning.message);
  assert.equal(checked?.evidence['pairedTestSequences'], 32);
});

test('without sequences the tokens are assumed independent, said so, and the confirmation gives medium at most', () => {
  const { first, second } = pair(B, C, 124, false);
  const evidence = misleadingLossEvidence(first, second);
  assert.equal(evidence?.mcnemar.method, 'exact-mcnemar');
  assert.equal(evidence?.mcnemar.sequences, null);
  assert.equal(evidence?.confirmed, true);
  const checked = confirmMisleadingLoss({ ...warning, confidence: 'low' }, evidence);
  assert.equal(checked?.confidence, 'medium');
  assert.match(checked?.message ?? '', /\(McNemar p = 0\.0039, tokens assumed independent: the outputs do not say which sequence each token is from\)/);
  assert.equal(checked?.evidence['pairedTestSequences'], undefined, 'no sequence count: the key is left out rather than a NaN that JSON turns into null');
});

test('few changed sequences are tested exactly by sign flips: 4 sequences all one way give p = 2/16', () => {
  const { first, second } = pair([0, 0, 0, 0, 0, 0], [5, 5, 5, 5, 0, 0], 20);
  const test = pairedTokenTest(first, second);
  assert.equal(test?.method, 'sign-flip');
  assert.equal(test?.pValue, 2 / 16);
  assert.equal(test?.sequences, 6);
  // Plain McNemar would call the same 20 tokens overwhelming: 2^-19.
  assert.ok((mcnemarExact(first.correctness, second.correctness)?.pValue ?? 1) < 1e-5);
  assert.equal(misleadingLossEvidence(first, second)?.confirmed, false);
});

test('a sequence written in several runs (a compact dump in any order) is one unit', () => {
  const { first, second } = pair(B, C, 124);
  // The same tokens, each sequence's tokens announced in two halves: same clusters, same test.
  const split: SequenceRuns = { ids: B.flatMap((_, k) => [k, k]), lengths: B.flatMap(() => [62, 62]) };
  const again = pairedTokenTest({ ...first, sequences: split }, { ...second, sequences: split });
  assert.equal(again?.sequences, 32);
  assert.equal(again?.pValue, pairedTokenTest(first, second)?.pValue);
  // Structures that disagree between the two evaluations are not trusted: tokens assumed independent.
  assert.equal(pairedTokenTest(first, { ...second, sequences: split })?.sequences, null);
});

test('evidence against warning (a) lowers it at p ≤ 0.05 and withdraws it at p ≤ 0.01', () => {
  // Every one of 40 sequences lost a token: strongly against "accuracy did not get worse".
  const strong = pair(
    Array.from({ length: 40 }, () => 1),
    Array.from({ length: 40 }, () => 0),
    10,
  );
  const against = misleadingLossEvidence(strong.first, strong.second);
  assert.equal(against?.contradicted, true);
  assert.equal(confirmMisleadingLoss(warning, against), undefined, 'withdrawn');
  // 22 sequences lost a token and 8 gained one, 10 unchanged: X² = 14² / 30 = 6.53, p = 0.0106.
  const weak = pair(
    [...Array.from({ length: 22 }, () => 1), ...Array.from({ length: 18 }, () => 0)],
    [...Array.from({ length: 22 }, () => 0), ...Array.from({ length: 8 }, () => 1), ...Array.from({ length: 10 }, () => 0)],
    10,
  );
  const lowered = confirmMisleadingLoss({ ...warning, confidence: 'high' }, misleadingLossEvidence(weak.first, weak.second));
  assert.equal(lowered?.confidence, 'low');
  assert.match(
    lowered?.message ?? '',
    /The evaluation outputs point the other way: 22 tokens became wrong and 8 right \(McNemar clustered by sequence, 40 sequences, p = 0\.011\)\./,
  );
});

test("a compact dump's sequence_index gives the sequences of its flat tokens", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-sequence-index-'));
  try {
    // Six tokens of sequences 4, 4, 9, 9, 9 and 2 (ids are the writer's, in any order); the fourth is ignored.
    const bytes = compactSafetensors(
      [1, 2, 3, -100, 5, 6],
      [1, 0, 3, 0, 5, 0],
      [-0.1, -2, -0.2, 0, -0.3, -3],
      [-0.1, -0.5, -0.2, 0, -0.3, -0.4],
      [4, 4, 9, 9, 9, 2],
    );
    mkdirSync(join(dir, 'eval_outputs'));
    writeFileSync(join(dir, 'eval_outputs', 'step-1.safetensors'), bytes);
    const result = await computeEvalFile(join(dir, 'eval_outputs', 'step-1.safetensors'), {});
    if ('error' in result) assert.fail(result.error);
    assert.equal(result.summary.tokens, 5);
    assert.deepEqual(
      [result.sequences?.ids, result.sequences?.lengths],
      [
        [4, 9, 2],
        [2, 2, 1],
      ],
    );
    // Each run's summed NLL (the label's log-probabilities, float32): 0.1 + 2, 0.2 + 0.3, 3.
    const nll = result.sequences?.nll ?? [];
    [2.1, 0.5, 3].forEach((expected, i) => assert.ok(Math.abs((nll[i] ?? NaN) - expected) < 1e-6, `run ${i}: ${nll[i]}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flat tokens without sequence_index carry no sequences: the paired test will say it assumed them independent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-flat-'));
  try {
    mkdirSync(join(dir, 'eval_outputs'));
    writeFileSync(join(dir, 'eval_outputs', 'step-1.safetensors'), compactSafetensors([1, 2, 3], [1, 0, 3], [-0.1, -2, -0.2], [-0.1, -0.5, -0.2]));
    const result = await computeEvalFile(join(dir, 'eval_outputs', 'step-1.safetensors'), {});
    if ('error' in result) assert.fail(result.error);
    assert.equal(result.sequences, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warning (e) is confirmed, lowered or withdrawn by the paired test between the two checkpoints it names', () => {
  const disagreement = {
    kind: 'checkpoint-disagreement',
    confidence: 'medium',
    message: 'Step 300 has the least loss; step 900 the best accuracy.',
    evidence: { lossStep: 300, accuracyStep: 900 },
  };
  const ones = (count: number): number[] => Array.from({ length: count }, () => 1);
  const zeros = (count: number): number[] => Array.from({ length: count }, () => 0);
  // One more token right at the best-accuracy checkpoint in each of 40 sequences: X² = 40, p = 2.5e-10.
  const better = pair(zeros(40), ones(40), 10);
  const evaluations: ResolvedEvaluation[] = [
    { ...better.first, path: '/r/eval_outputs/step-300.safetensors', step: 300, problems: [], alignment: '', pairing: PAIRING, status: 'decided' },
    { ...better.second, path: '/r/eval_outputs/step-900.safetensors', step: 900, problems: [], alignment: '', pairing: PAIRING, status: 'decided' },
  ];
  const confirmed = withOutputEvidence({ id: '/r', warnings: [{ ...disagreement, step: 900, startStep: 300 }] }, evaluations, new SampleResultsStore())
    .warnings[0];
  assert.equal(confirmed?.confidence, 'high');
  assert.match(
    confirmed?.message ?? '',
    /The evaluation outputs confirm it: 40 tokens are right only at the best-accuracy checkpoint and 0 only at the best-loss one \(McNemar clustered by sequence, 40 sequences, p = 2\.5e-10\)\.$/,
  );
  // Unverified evaluations are no evidence: the warning stays as analysis made it.
  const unverified = evaluations.map((evaluation) => ({ ...evaluation, status: 'unverified' as const }));
  assert.equal(
    withOutputEvidence({ id: '/r', warnings: [{ ...disagreement, step: 900, startStep: 300 }] }, unverified, new SampleResultsStore()).warnings[0]?.confidence,
    'medium',
  );
  const independent = pair(zeros(40), ones(40), 10, false);
  assert.equal(confirmCheckpointDisagreement(disagreement, pairedTokenTest(independent.first, independent.second))?.confidence, 'medium');
  assert.equal(
    confirmCheckpointDisagreement(disagreement, pairedTokenTest(better.second, better.first)),
    undefined,
    'the loss picked the better checkpoint: withdrawn',
  );
  const weak = pair([...ones(22), ...zeros(18)], [...zeros(22), ...ones(8), ...zeros(10)], 10);
  assert.equal(confirmCheckpointDisagreement({ ...disagreement, confidence: 'high' }, pairedTokenTest(weak.first, weak.second))?.confidence, 'low');
});

test('the NLL change is tested with sequences as units: 3 sequences exactly, 20 by the normal approximation', () => {
  const runs = (count: number, nll: (k: number) => number): SequenceRuns => ({
    ids: Array.from({ length: count }, (_, k) => k),
    lengths: Array.from({ length: count }, () => 10),
    nll: Array.from({ length: count }, (_, k) => nll(k)),
  });
  // Every sequence's mean NLL up by 0.1: with 3 sequences the sign flips give 2 of 8 patterns as extreme.
  const few = pairedNllTest({ sequences: runs(3, () => 10) }, { sequences: runs(3, () => 11) });
  assert.deepEqual(few, { pValue: 2 / 8, method: 'sign-flip', sequences: 3 });
  // 20 equal changes: (Σd)² / Σd² = 20, p = erfc(√10) = 7.74e-6 (scipy.stats.chi2.sf(20, 1) = 7.744216e-06).
  const many = pairedNllTest({ sequences: runs(20, () => 10) }, { sequences: runs(20, () => 11) });
  assert.equal(many?.method, 'sign-flip-normal');
  assert.ok(Math.abs((many?.pValue ?? NaN) - 7.744216e-6) < 1e-10, `p = ${many?.pValue}`);
  assert.equal(pairedNllTest({ sequences: { ids: [0], lengths: [10] } }, { sequences: { ids: [0], lengths: [10] } }), undefined, 'no NLL, no test');
});
