import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mcnemarExact, splitNllChange } from '../../src/core/tokens/evaluationComparison';
import { computeEvalFile, type EvalFileResult } from '../../src/node/tokens/evalFileStats';
import { numpySkipReason, REPO_ROOT, runPython, runTorchPython, torchSkipReason } from './tokenPython';

type Expected = Record<string, Record<string, number>>;

let dir = '';
let expected: Expected = {};
const skip = numpySkipReason;

before(() => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'tal-tokens-'));
  expected = JSON.parse(runPython([join(REPO_ROOT, 'test/fixtures/tokens/numpy_reference.py'), dir])) as Expected;
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function close(actual: number | undefined, wanted: number | undefined, tolerance: number, what: string): void {
  assert.ok(actual !== undefined && wanted !== undefined, `${what}: missing`);
  assert.ok(Math.abs(actual - wanted) <= tolerance * Math.max(1, Math.abs(wanted)), `${what}: ${actual} vs numpy ${wanted}`);
}

function relative(actual: number | undefined, wanted: number | undefined, tolerance: number, what: string): void {
  assert.ok(actual !== undefined && wanted !== undefined, `${what}: missing`);
  assert.ok(Math.abs(actual - wanted) <= tolerance * Math.abs(wanted), `${what}: ${actual} vs numpy ${wanted} (relative ${Math.abs(actual / wanted - 1)})`);
}

async function compute(name: string, chunkBytes = 1000): Promise<EvalFileResult> {
  const path = name.endsWith('step-600') ? join(dir, 'run/eval_outputs', name, 'labels.npy') : join(dir, 'run/eval_outputs', name);
  const result = await computeEvalFile(path, { chunkBytes });
  if ('error' in result) assert.fail(result.error);
  return result;
}

function assertMatches(result: EvalFileResult, wanted: Record<string, number>, name: string): void {
  const { summary } = result;
  assert.equal(summary.tokens, wanted['tokens'], `${name}: token count`);
  close(summary.accuracy, wanted['accuracy'], 1e-12, `${name} accuracy`);
  const p = summary.probabilities;
  const l = summary.logits;
  assert.ok(p !== undefined && l !== undefined, `${name}: statistics from logits`);
  for (const key of [
    'meanNll',
    'nllCorrect',
    'nllWrong',
    'wrongConfidenceTerm',
    'wrongGapTerm',
    'meanConfidence',
    'ece',
    'maxCalibrationError',
    'brierTopLabel',
  ] as const)
    relative(p[key], wanted[key], 1e-6, `${name} ${key}`);
  // Kept per token as float32 (median, equal-mass bins, worst share): float32 precision.
  for (const key of ['medianNll', 'eceEqualMass', 'worstPercentNllShare'] as const) relative(p[key], wanted[key], 1e-6, `${name} ${key}`);
  relative(l.meanEntropy, wanted['meanEntropy'], 1e-6, `${name} entropy`);
  close(l.top5Accuracy, wanted['top5Accuracy'], 1e-12, `${name} top-5`);
  relative(l.brier, wanted['brier'], 1e-6, `${name} full Brier`);
  // Ranks are counts: exact, fp16 and bf16 ties (many) included.
  relative(l.meanLabelRank, wanted['meanLabelRank'], 1e-12, `${name} mean label rank`);
  assert.ok(l.temperature !== undefined, `${name}: a fitted temperature`);
  assert.equal(l.temperature.method, 'exact', `${name}: exact temperature fit`);
  // numpy's golden-section search on log T, 200 iterations: converged far below 1e-6.
  relative(l.temperature.temperature, wanted['temperature'], 1e-6, `${name} temperature`);
  relative(l.temperature.nll, wanted['temperatureNll'], 1e-6, `${name} temperature-scaled NLL`);
}

test('fp32 logits in safetensors without metadata: both pairings scored, the shifted one matches numpy', { skip }, async () => {
  const result = await compute('step-100.safetensors');
  assert.equal(result.step, 100);
  assert.match(result.alignment, /logits; pairing unverified \(scored shifted and aligned, nothing settled which\); ignore index -100, from default/);
  assert.equal(result.pairing.causalShift, true, 'the top-level numbers are the shifted pairing');
  assertMatches(result, expected['step-100.safetensors'] ?? {}, 'fp32');
  // The aligned pairing, scored from the same chunks, is what an explicit `aligned` gives, token for token.
  const alignedOnly = await computeEvalFile(join(dir, 'run/eval_outputs/step-100.safetensors'), { chunkBytes: 1000, causalShift: false });
  if ('error' in alignedOnly) assert.fail(alignedOnly.error);
  assert.deepEqual(result.aligned?.summary, alignedOnly.summary);
  assert.deepEqual(result.aligned?.correctness, alignedOnly.correctness);
  assert.equal(result.aligned?.pairing.causalShift, false);
});

test('fp16 logits with I32 labels and ignore index from metadata match numpy on the same half values', { skip }, async () => {
  const result = await compute('step-200.safetensors');
  assert.match(result.alignment, /ignore index -100, from metadata/);
  assertMatches(result, expected['step-200.safetensors'] ?? {}, 'fp16');
});

test('bf16 logits with the shift from metadata match numpy', { skip }, async () => {
  const result = await compute('step-300.safetensors', 4096);
  assert.match(result.alignment, /from metadata/);
  assertMatches(result, expected['step-300.safetensors'] ?? {}, 'bf16');
});

test('npz: stored (np.savez) and deflated (np.savez_compressed) members, streamed in small chunks', { skip }, async () => {
  assertMatches(await compute('step-400.npz', 200), expected['step-400.npz'] ?? {}, 'npz stored');
  assertMatches(await compute('step-500.npz', 333), expected['step-500.npz'] ?? {}, 'npz deflated');
});

test('the SIMD kernel (every row, no temperature fit) matches numpy in fp32, fp16 and bf16', { skip }, async () => {
  for (const name of ['step-100.safetensors', 'step-200.safetensors', 'step-300.safetensors', 'step-500.npz']) {
    const path = join(dir, 'run/eval_outputs', name);
    const kernel = await computeEvalFile(path, { chunkBytes: 1000, temperature: false });
    const scalar = await computeEvalFile(path, { chunkBytes: 1000, temperature: false, kernel: false });
    if ('error' in kernel || 'error' in scalar) assert.fail('unreadable');
    const wanted = expected[name] ?? {};
    assert.equal(kernel.summary.tokens, wanted['tokens']);
    close(kernel.summary.accuracy, wanted['accuracy'], 1e-12, `${name} kernel accuracy`);
    const p = kernel.summary.probabilities;
    assert.ok(p !== undefined);
    // The kernel's exponential is float32-accurate (about 1e-7), its sums float64 across blocks: 1e-6 relative to float64 numpy.
    for (const key of [
      'meanNll',
      'medianNll',
      'nllCorrect',
      'nllWrong',
      'meanConfidence',
      'ece',
      'eceEqualMass',
      'maxCalibrationError',
      'brierTopLabel',
      'worstPercentNllShare',
    ] as const)
      relative(p[key], wanted[key], 1e-6, `${name} kernel ${key}`);
    relative(kernel.summary.logits?.meanEntropy, wanted['meanEntropy'], 1e-6, `${name} kernel entropy`);
    close(kernel.summary.logits?.top5Accuracy, wanted['top5Accuracy'], 1e-12, `${name} kernel top-5`);
    relative(kernel.summary.logits?.brier, wanted['brier'], 1e-6, `${name} kernel full Brier`);
    relative(kernel.summary.logits?.meanLabelRank, wanted['meanLabelRank'], 1e-12, `${name} kernel mean label rank`);
    relative(scalar.summary.logits?.brier, wanted['brier'], 1e-9, `${name} scalar full Brier`);
    relative(scalar.summary.logits?.meanLabelRank, wanted['meanLabelRank'], 1e-12, `${name} scalar mean label rank`);
    assert.deepEqual([...kernel.correctness], [...scalar.correctness], `${name}: the same tokens right`);
  }
});

test('the scalar loop (float64 throughout) fits the temperature exactly too, in streamed passes', { skip }, async () => {
  for (const name of ['step-100.safetensors', 'step-300.safetensors']) {
    const scalar = await computeEvalFile(join(dir, 'run/eval_outputs', name), { chunkBytes: 1000, kernel: false });
    if ('error' in scalar) assert.fail(scalar.error);
    const fitted = scalar.summary.logits?.temperature;
    const wanted = expected[name] ?? {};
    assert.ok(fitted !== undefined);
    assert.equal(fitted.method, 'exact');
    assert.equal(fitted.rows, wanted['tokens']);
    relative(fitted.temperature, wanted['temperature'], 1e-8, `${name} scalar temperature`);
    relative(fitted.nll, wanted['temperatureNll'], 1e-10, `${name} scalar temperature-scaled NLL`);
  }
});

test(
  'fp32, fp16 and bf16 logits match torch (argmax, cross_entropy, softmax, autograd for the temperature) to 1e-6',
  { skip: skip || torchSkipReason },
  async () => {
    const viaTorch = JSON.parse(runTorchPython([join(REPO_ROOT, 'test/fixtures/tokens/torch_reference.py'), join(dir, 'run/eval_outputs')])) as Expected;
    for (const name of ['step-100.safetensors', 'step-200.safetensors', 'step-300.safetensors']) {
      const { summary } = await compute(name);
      const wanted = viaTorch[name] ?? {};
      assert.equal(summary.tokens, wanted['tokens']);
      relative(summary.accuracy, wanted['accuracy'], 1e-12, `${name} accuracy (torch)`);
      relative(summary.probabilities?.meanNll, wanted['meanNll'], 1e-6, `${name} NLL (torch)`);
      relative(summary.logits?.meanEntropy, wanted['meanEntropy'], 1e-6, `${name} entropy (torch)`);
      relative(summary.logits?.brier, wanted['brier'], 1e-6, `${name} full Brier (torch)`);
      relative(summary.logits?.meanLabelRank, wanted['meanLabelRank'], 1e-12, `${name} mean label rank (torch)`);
      relative(summary.logits?.temperature?.temperature, wanted['temperature'], 1e-6, `${name} temperature (torch)`);
      relative(summary.logits?.temperature?.nll, wanted['temperatureNll'], 1e-6, `${name} temperature-scaled NLL (torch)`);
    }
  },
);

test('a folder of .npy arrays with predictions gives accuracy only', { skip }, async () => {
  const result = await compute('step-600');
  assert.equal(result.step, 600);
  assert.equal(result.summary.tokens, expected['step-600']?.['tokens']);
  close(result.summary.accuracy, expected['step-600']?.['accuracy'], 1e-12, 'npy accuracy');
  assert.equal(result.summary.probabilities, undefined);
});

test('McNemar and the NLL split between two evaluations match numpy and add up exactly', { skip }, async () => {
  const first = await compute('step-100.safetensors');
  const second = await compute('step-500.npz');
  const mcnemar = mcnemarExact(first.correctness, second.correctness);
  const wanted = expected['mcnemar'] ?? {};
  assert.equal(mcnemar?.onlyFirst, wanted['onlyFirst']);
  assert.equal(mcnemar?.onlySecond, wanted['onlySecond']);
  close(mcnemar?.pValue, wanted['pValue'], 1e-9, 'McNemar p');
  const split = splitNllChange(first.summary, second.summary);
  assert.ok(split !== undefined);
  close(split.correctTokens + split.wrongTokens + split.accuracyChange, split.change, 1e-12, 'split sums to the change');
  close(split.change, (expected['step-500.npz']?.['meanNll'] ?? NaN) - (expected['step-100.safetensors']?.['meanNll'] ?? NaN), 1e-5, 'NLL change');
});

test('a pickled object array is refused with a clear message', { skip }, async () => {
  const { parseNpyHeader } = await import('../../src/core/tokens/npyHeader');
  const { readFileSync } = await import('node:fs');
  const result = parseNpyHeader(new Uint8Array(readFileSync(join(dir, 'objects_labels.npy'))), 'objects_labels');
  assert.equal(result.kind, 'invalid');
  assert.match(result.kind === 'invalid' ? result.message : '', /Python objects \(a pickle\), which is never loaded/);
});
