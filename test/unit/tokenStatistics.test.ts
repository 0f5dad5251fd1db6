import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloats, decodeIntegers } from '../../src/core/tokens/decodeElements';
import { EvalComputation } from '../../src/core/tokens/evalComputation';
import { EVAL_OUTPUTS_FORMAT, evaluationStep } from '../../src/core/tokens/evalOutputsFormat';
import { planEvaluation } from '../../src/core/tokens/evalPlan';
import { mcnemarPValue, splitNllChange } from '../../src/core/tokens/evaluationComparison';
import { parseNpyHeader } from '../../src/core/tokens/npyHeader';
import { parseSafetensorsHeader } from '../../src/core/tokens/safetensorsHeader';
import type { TensorInfo } from '../../src/core/tokens/tensorInfo';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';

const LN2 = Math.log(2);
// Logits are float32, so ln 2 among them is ln 2 to about 1e-8.
const near = (actual: number | undefined, wanted: number, what: string): void =>
  assert.ok(actual !== undefined && Math.abs(actual - wanted) < 1e-7, `${what}: ${actual} vs ${wanted}`);

function tensor(name: string, shape: number[], dtype: TensorInfo['dtype'] = 'F32'): TensorInfo {
  return { name, dtype, shape, offset: 0, byteLength: 0 };
}

test('two tokens worked by hand: p = (1/4, 1/2, 1/4) right, then (1/4, 1/4, 1/2) wrong', () => {
  const planned = planEvaluation([tensor('labels', [2], 'I64'), tensor('logits', [2, 3])], {}, {});
  assert.ok('plan' in planned);
  assert.equal(planned.plan.shift, false, 'a flat list of tokens is aligned');
  assert.equal(planned.plan.shiftSource, 'layout');
  const computation = new EvalComputation(planned.plan, Float64Array.from([1, 0]));
  computation.addLogitRows(Float32Array.from([0, LN2, 0, 0, 0, LN2]), 0);
  const { summary } = computation.finish();
  assert.equal(summary.tokens, 2);
  assert.equal(summary.accuracy, 0.5);
  const p = summary.probabilities;
  assert.ok(p !== undefined);
  near(p.meanNll, 1.5 * LN2, 'mean NLL (ln 2 + ln 4) / 2');
  // Per-token NLL is kept as float32 for the median.
  assert.ok(Math.abs(p.medianNll - 1.5 * LN2) < 1e-7, 'median of two');
  near(p.nllCorrect, LN2, 'C');
  near(p.nllWrong, 2 * LN2, 'W');
  near(p.wrongConfidenceTerm + p.wrongGapTerm, p.nllWrong, 'W = mean(−m) + mean(m − ℓ)');
  near(p.wrongGapTerm, LN2, 'gap ln(1/2) − ln(1/4)');
  near(p.meanConfidence, 0.5, 'confidence');
  near(p.ece, 0, 'both tokens in the bin (7/15, 8/15] with accuracy 1/2 and confidence 1/2');
  assert.equal(p.reliability[7]?.count, 2);
  near(p.brierTopLabel, 0.25, 'Brier ((1/2 − 1)² + (1/2)²) / 2');
  assert.ok(Math.abs(p.worstPercentNllShare - 2 / 3) < 1e-7, 'the worst token (one of two) carries 2 ln 2 of 3 ln 2');
  near(summary.logits?.meanEntropy, 1.5 * LN2, 'entropy of both rows');
  near(summary.logits?.top5Accuracy, 1, 'three classes are all in the top 5');
});

test('the causal shift pairs position t with label t + 1, and -100 is skipped', () => {
  const planned = planEvaluation([tensor('labels', [1, 4], 'I64'), tensor('predictions', [1, 4], 'I64')], {}, {});
  assert.ok('plan' in planned);
  assert.equal(planned.plan.shift, true);
  assert.equal(planned.plan.shiftSource, 'undecided', "nothing said how they pair: Hugging Face's shift is scored, with the aligned pairing beside it");
  const computation = new EvalComputation(planned.plan, Float64Array.from([9, 3, -100, 5]));
  // Position 0 predicts 3 (right), position 1 is for an ignored label, position 2 predicts 4 for 5 (wrong); the last has no label.
  computation.addPredictions(Float64Array.from([3, 7, 4, 5]));
  const { summary, correctness } = computation.finish();
  assert.equal(summary.tokens, 2);
  assert.deepEqual([...correctness], [1, 0]);
});

test('where the shift and ignore index come from: metadata, then the setting, then the default', () => {
  const tensors = [tensor('labels', [2, 3], 'I64'), tensor('logits', [2, 3, 5])];
  const fromSetting = planEvaluation(tensors, {}, { causalShift: false, ignoreIndex: 0 });
  assert.ok('plan' in fromSetting);
  assert.deepEqual(
    [fromSetting.plan.shift, fromSetting.plan.shiftSource, fromSetting.plan.ignoreIndex, fromSetting.plan.ignoreIndexSource],
    [false, 'setting', 0, 'setting'],
  );
  const fromMetadata = planEvaluation(tensors, { causal_shift: 'true', ignore_index: '-1' }, { causalShift: false, ignoreIndex: 0 });
  assert.ok('plan' in fromMetadata);
  assert.deepEqual(
    [fromMetadata.plan.shift, fromMetadata.plan.shiftSource, fromMetadata.plan.ignoreIndex, fromMetadata.plan.ignoreIndexSource],
    [true, 'metadata', -1, 'metadata'],
  );
  const mismatched = planEvaluation([tensor('labels', [2, 3], 'I64'), tensor('logits', [2, 4, 5])], {}, {});
  assert.ok('error' in mismatched && /do not match labels/.test(mismatched.error));
  assert.ok('error' in planEvaluation([tensor('weights', [2])], {}, {}));
});

test('McNemar exact p-values by hand', () => {
  near(mcnemarPValue(0, 5), 2 / 32, 'b = 0, c = 5');
  near(mcnemarPValue(1, 9), (2 * (1 + 10)) / 1024, 'b = 1, c = 9: 2·(C(10,0) + C(10,1)) / 2^10');
  assert.equal(mcnemarPValue(3, 3), 1);
  assert.equal(mcnemarPValue(0, 0), 1);
  // A million discordant tokens two standard deviations apart: the normal approximation gives 2·Φ(−1.999) ≈ 0.0456.
  const large = mcnemarPValue(499_000, 501_000);
  assert.ok(Math.abs(large - 0.0456) < 1e-3, `a million discordant tokens: ${large}`);
});

test('the NLL split adds up to the change, by hand', () => {
  const summary = (accuracy: number, nllCorrect: number, nllWrong: number): TokenSummary => ({
    tokens: 4,
    correct: accuracy * 4,
    accuracy,
    probabilities: {
      meanNll: accuracy * nllCorrect + (1 - accuracy) * nllWrong,
      medianNll: 0,
      nllCorrect,
      nllWrong,
      wrongConfidenceTerm: 0,
      wrongGapTerm: 0,
      meanConfidence: 0,
      ece: 0,
      eceEqualMass: 0,
      maxCalibrationError: 0,
      brierTopLabel: 0,
      worstPercentNllShare: 0,
      reliability: [],
    },
  });
  const split = splitNllChange(summary(0.5, 1, 3), summary(0.75, 0.5, 5));
  assert.ok(split !== undefined);
  near(split.change, -0.375, 'NLL 2 → 1.625');
  near(split.correctTokens, 0.625 * -0.5, 'ā·ΔC');
  near(split.wrongTokens, 0.375 * 2, '(1 − ā)·ΔW');
  near(split.accuracyChange, 0.25 * (0.75 - 4), 'Δa·(C̄ − W̄)');
});

test('element decoding: half, bfloat16 and int64 bit patterns', () => {
  const halves = new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]).buffer);
  assert.deepEqual([...decodeFloats(halves, 'F16')], [1, -2, 65504, 2 ** -24, Infinity]);
  assert.deepEqual([...decodeFloats(new Uint8Array(Uint16Array.from([0x3f80, 0xc040]).buffer), 'BF16')], [1, -3]);
  const longs = new Uint8Array(BigInt64Array.from([-100n, 2n ** 40n + 3n]).buffer);
  assert.deepEqual([...decodeIntegers(longs, 'I64')], [-100, 2 ** 40 + 3]);
  const unaligned = new Uint8Array(9);
  unaligned.set(new Uint8Array(Float32Array.from([1.5, -2.25]).buffer), 1);
  assert.deepEqual([...decodeFloats(unaligned.subarray(1), 'F32')], [1.5, -2.25]);
});

test('safetensors header: asks for more bytes, then reads tensors and metadata', () => {
  const json = new TextEncoder().encode(JSON.stringify({ __metadata__: { step: '40' }, labels: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }));
  const bytes = new Uint8Array(8 + json.length);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 8);
  assert.deepEqual(parseSafetensorsHeader(bytes.subarray(0, 20)), { kind: 'need-more', bytes: 8 + json.length });
  const parsed = parseSafetensorsHeader(bytes);
  assert.ok(parsed.kind === 'ok');
  assert.deepEqual(parsed.value.metadata, { step: '40' });
  assert.deepEqual(parsed.value.tensors[0], { name: 'labels', dtype: 'I64', shape: [2], offset: 8 + json.length, byteLength: 16 });
});

test('evaluation files, their run and their step', () => {
  assert.deepEqual(EVAL_OUTPUTS_FORMAT.classify('/w/out/eval_outputs/step-1200.safetensors'), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.deepEqual(EVAL_OUTPUTS_FORMAT.classify('/w/out/checkpoint-500/eval_outputs/eval.npz'), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.deepEqual(EVAL_OUTPUTS_FORMAT.classify('/w/out/eval_outputs/step-9/labels.npy'), { format: 'eval-outputs', runDirectory: '/w/out' });
  assert.equal(EVAL_OUTPUTS_FORMAT.classify('/w/out/eval_outputs/step-9/logits.npy'), undefined, 'siblings are read with the labels');
  assert.equal(EVAL_OUTPUTS_FORMAT.classify('/w/out/model.safetensors'), undefined);
  assert.equal(evaluationStep('/w/out/eval_outputs/step-1200.safetensors'), 1200);
  assert.equal(evaluationStep('/w/out/checkpoint-500/eval_outputs/eval.npz'), 500);
  assert.equal(evaluationStep('/w/out/eval_outputs/global_step_30/labels.npy'), 30);
  assert.equal(evaluationStep('/w/out/eval_outputs/final.safetensors', { step: '77' }), 77);
  assert.equal(evaluationStep('/w/out/eval_outputs/final.safetensors'), undefined);
});

test('a large evaluation fits its temperature on a sample of rows, close to the exact fit on every row', () => {
  const rows = 40_000;
  const vocab = 8;
  let seed = 5;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const logits = new Float32Array(rows * vocab);
  const labels = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vocab; v++) logits[r * vocab + v] = (random() - 0.5) * 8;
    // Over-confident on purpose: the label is the argmax 60% of the time, whatever the margin.
    let best = 0;
    for (let v = 1; v < vocab; v++) if ((logits[r * vocab + v] as number) > (logits[r * vocab + best] as number)) best = v;
    labels[r] = random() < 0.6 ? best : Math.floor(random() * vocab);
  }
  const planned = planEvaluation([tensor('labels', [rows], 'I64'), tensor('logits', [rows, vocab])], {}, {});
  assert.ok('plan' in planned);
  const computation = new EvalComputation(planned.plan, labels);
  computation.addLogitRows(logits, 0);
  const fitted = computation.finish().summary.logits?.temperature;
  assert.ok(fitted !== undefined);
  assert.equal(fitted.method, 'approximate', 'no further pass over the logits: the first stage, said to be approximate');
  assert.ok(Math.abs(fitted.rows - 512) < 80, `about 512 rows sampled (${fitted.rows})`);
  // The exact fit, independently: NLL(T) over all rows in float64, minimised by golden-section search on log T.
  const nllAt = (t: number): number => {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let v = 0; v < vocab; v++) max = Math.max(max, (logits[r * vocab + v] as number) / t);
      let z = 0;
      for (let v = 0; v < vocab; v++) z += Math.exp((logits[r * vocab + v] as number) / t - max);
      sum += max + Math.log(z) - (logits[r * vocab + (labels[r] as number)] as number) / t;
    }
    return sum / rows;
  };
  let [lo, hi] = [Math.log(0.25), Math.log(8)];
  const golden = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const [c, d] = [hi - golden * (hi - lo), lo + golden * (hi - lo)];
    if (nllAt(Math.exp(c)) < nllAt(Math.exp(d))) hi = d;
    else lo = c;
  }
  const exactT = Math.exp((lo + hi) / 2);
  // Only where the exact fit starts: from ~512 of the 40k rows, T within about 5%.
  assert.ok(Math.abs(fitted.temperature / exactT - 1) < 0.1, `T ${fitted.temperature} vs exact ${exactT}`);
  // The gain from T is measured on ~512 of the 40k rows.
  assert.ok(Math.abs(fitted.nll - nllAt(exactT)) < 0.05, `scaled NLL ${fitted.nll} vs exact ${nllAt(exactT)}`);
  assert.ok(exactT > 1.2, `the over-confident logits want T > 1 (${exactT})`);
  // With its further passes over the logits, the fit is exact: every row, to 1e-6 in T.
  const exactFit = new EvalComputation(planned.plan, labels);
  exactFit.addLogitRows(logits, 0);
  while (exactFit.nextTemperaturePass() !== undefined) exactFit.addTemperatureRows(logits, 0);
  const exact = exactFit.finish().summary.logits?.temperature;
  assert.ok(exact !== undefined);
  assert.equal(exact.method, 'exact');
  assert.equal(exact.rows, rows);
  // Streamed passes only where a row's moments could not be certified at a candidate T (often none).
  assert.ok(exact.passes <= 6, `${exact.passes} passes`);
  assert.ok(Math.abs(exact.temperature - exactT) < 1e-6, `T ${exact.temperature} vs golden-section ${exactT}`);
  assert.ok(Math.abs(exact.nll - nllAt(exactT)) < 1e-9, `scaled NLL ${exact.nll} vs ${nllAt(exactT)}`);
});

test('.npy headers of versions 1, 2 and 3 (a 4-byte header length from version 2, UTF-8 from 3), and what is refused', () => {
  const npy = (major: number, header: string): Uint8Array => {
    const text = new TextEncoder().encode(header);
    const prefix = major === 1 ? 10 : 12;
    const bytes = new Uint8Array(prefix + text.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    if (major === 1) new DataView(bytes.buffer).setUint16(8, text.length, true);
    else new DataView(bytes.buffer).setUint32(8, text.length, true);
    bytes.set(text, prefix);
    return bytes;
  };
  const header = "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 5), }\n";
  for (const major of [1, 2, 3]) {
    const parsed = parseNpyHeader(npy(major, header), 'logits', 100);
    assert.ok(parsed.kind === 'ok', `version ${major}`);
    assert.deepEqual(parsed.value, { name: 'logits', dtype: 'F16', shape: [3, 5], offset: 100 + (major === 1 ? 10 : 12) + header.length, byteLength: 30 });
  }
  const refused = (text: string): string => {
    const parsed = parseNpyHeader(npy(1, text), 'x');
    return parsed.kind === 'invalid' ? parsed.message : '';
  };
  assert.match(refused("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }"), /little-endian/);
  assert.match(refused("{'descr': '<i8', 'fortran_order': True, 'shape': (3, 2), }"), /Fortran/);
  assert.match(refused("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,), }"), /structured/);
  assert.equal(parseNpyHeader(npy(1, header).subarray(0, 20), 'x').kind, 'need-more');
  assert.equal(parseNpyHeader(npy(4, header), 'x').kind, 'invalid');
});

test('the exact temperature fit says when the optimum lies beyond the range searched, and gives none for NaN logits', () => {
  const fit = (logits: Float32Array, labels: Float64Array, vocab: number): ReturnType<EvalComputation['finish']>['summary']['logits'] => {
    const rows = labels.length;
    const planned = planEvaluation([tensor('labels', [rows], 'I64'), tensor('logits', [rows, vocab])], {}, {});
    assert.ok('plan' in planned);
    const computation = new EvalComputation(planned.plan, labels);
    computation.addLogitRows(logits, 0);
    while (computation.nextTemperaturePass() !== undefined) computation.addTemperatureRows(logits, 0);
    return computation.finish().summary.logits;
  };
  // Every label is the argmax by a wide margin: the sharper the better, so T runs to the lower end, 0.05.
  const sharp = fit(
    Float32Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 3 : 0)),
    new Float64Array(10),
    4,
  );
  assert.equal(sharp?.temperature?.method, 'exact');
  assert.equal(sharp?.temperature?.atSearchEdge, true);
  assert.ok(Math.abs((sharp?.temperature?.temperature ?? 0) - 0.05) < 1e-12, `T ${sharp?.temperature?.temperature}`);
  // Labels never the argmax and logits spread evenly: the flatter the better, so T runs to the upper end, 20.
  const flat = fit(
    Float32Array.from({ length: 40 }, (_, i) => i % 4),
    Float64Array.from({ length: 10 }, () => 0),
    4,
  );
  assert.equal(flat?.temperature?.atSearchEdge, true);
  assert.ok(Math.abs((flat?.temperature?.temperature ?? 0) - 20) < 1e-12, `T ${flat?.temperature?.temperature}`);
  // A NaN logit: the statistics of the logits are there (NaN), the temperature is not, rather than a binned guess.
  const broken = fit(
    Float32Array.from({ length: 40 }, (_, i) => (i === 5 ? NaN : i % 3)),
    Float64Array.from({ length: 10 }, (_, r) => r % 4),
    4,
  );
  assert.ok(broken !== undefined);
  assert.equal(broken.temperature, undefined);
});
