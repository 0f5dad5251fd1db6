import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloats } from '../../src/core/tokens/decodeElements';
import { EvalComputation } from '../../src/core/tokens/evalComputation';
import { planEvaluation } from '../../src/core/tokens/evalPlan';
import { BATCH_SCORE_WIDTH, emptyRowScore, scoreFromBatch, scoreRow, temperatureRowSums, TEMPERATURE_ROW_WIDTH } from '../../src/core/tokens/logitsRow';
import { createWasmRowScorer } from '../../src/node/tokens/kernel/wasmRowScorer';

test('the SIMD kernel agrees with the scalar loop on awkward rows', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined, 'Node has WebAssembly SIMD');
  const vocab = 11; // not a multiple of 4: the tail is scored too
  const rows: number[][] = [
    [0.5, 3, 1, 3, -2, 0, 1, 2, 3, 0, 0], // the max three times: the first index wins
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9], // the max in the tail
    [1, -Infinity, 2, -Infinity, 0, 0, 0, 0, 0, 0, -Infinity], // masked tokens weigh nothing
    [1, 2, NaN, 0, 0, 0, 0, 0, 0, 0, 0], // a NaN makes the row NaN
    [-40, 60, -3, 7, 7, 8, 0, 1, 2, 3, 59.5],
  ];
  const labels = Int32Array.from([3, 10, 0, 1, 10]);
  const logits = Float32Array.from(rows.flat());
  const out = kernel.scoreRows(logits, rows.length, vocab, labels).scores;
  for (let r = 0; r < rows.length; r++) {
    const viaKernel = emptyRowScore();
    const viaLoop = emptyRowScore();
    scoreFromBatch(out, BATCH_SCORE_WIDTH * r, logits[r * vocab + (labels[r] as number)] as number, viaKernel);
    scoreRow(logits, r * vocab, vocab, labels[r] as number, viaLoop, undefined);
    assert.equal(viaKernel.argmax, viaLoop.argmax, `row ${r} argmax`);
    assert.equal(viaKernel.rank, viaLoop.rank, `row ${r} rank`);
    assert.equal(viaKernel.ties, viaLoop.ties, `row ${r} ties`);
    for (const key of ['labelLogProb', 'maxLogProb', 'entropy', 'sumSquaredProbabilities'] as const) {
      const [a, b] = [viaKernel[key], viaLoop[key]];
      assert.ok(Number.isNaN(a) ? Number.isNaN(b) : Math.abs(a - b) < 1e-6, `row ${r} ${key}: ${a} vs ${b}`);
    }
  }
  assert.equal(out[0], 1, 'first of the tied maxima');
  assert.ok(Number.isNaN(out[BATCH_SCORE_WIDTH * 3 + 2] as number), 'NaN partition');
  assert.equal(out[6], 3, 'row 0: the label ties with two other logits at 3');
  const skipped = kernel.scoreRows(logits, 2, vocab, Int32Array.from([-1, 10])).scores;
  assert.equal(skipped[BATCH_SCORE_WIDTH], 10, 'a row labelled -1 is skipped, the next scored');
  for (const beta of [0.3, 1, 2.5]) {
    const sums = kernel.temperatureRows(logits, rows.length, vocab, labels, beta);
    const viaLoop = new Float64Array(TEMPERATURE_ROW_WIDTH);
    for (let r = 0; r < rows.length; r++) {
      temperatureRowSums(logits, r * vocab, vocab, beta, viaLoop, 0);
      for (let k = 0; k < TEMPERATURE_ROW_WIDTH; k++) {
        const [a, b] = [sums[TEMPERATURE_ROW_WIDTH * r + k] as number, viaLoop[k] as number];
        // A NaN logit makes the row's sums NaN (the kernel's max may pass it by; its u is NaN all the same).
        if (r === 3) assert.ok(k === 1 ? Number.isNaN(a) && Number.isNaN(b) : true, `row 3 (a NaN) at β ${beta}: ${a} vs ${b}`);
        else assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `row ${r} at β ${beta}, ${k}: ${a} vs ${b}`);
      }
    }
  }
});

test('with the kernel binning the sampled rows, the temperature fit is the scalar loop’s', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined);
  const rows = 300;
  const vocab = 37;
  let seed = 3;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  // Token 0 is masked (-inf) in every fifth row and is never a label; every 13th position is ignored.
  const logits = Float32Array.from({ length: rows * vocab }, (_, i) =>
    i % vocab === 0 && Math.floor(i / vocab) % 5 === 0 ? -Infinity : (random() - 0.5) * 12,
  );
  const labels = Float64Array.from({ length: rows }, (_, r) => (r % 13 === 0 ? -100 : 1 + Math.floor(random() * (vocab - 1))));
  const planned = planEvaluation(
    [
      { name: 'labels', dtype: 'I64', shape: [rows], offset: 0, byteLength: 0 },
      { name: 'logits', dtype: 'F32', shape: [rows, vocab], offset: 0, byteLength: 0 },
    ],
    {},
    {},
  );
  assert.ok('plan' in planned);
  const viaKernel = new EvalComputation(planned.plan, labels, { temperature: true, batch: kernel });
  const viaLoop = new EvalComputation(planned.plan, labels, { temperature: true });
  for (let first = 0; first < rows; first += 64) {
    const chunk = logits.subarray(first * vocab, Math.min(rows, first + 64) * vocab);
    viaKernel.addLogitRows(chunk, first);
    viaLoop.addLogitRows(chunk, first);
  }
  const [a, b] = [viaKernel.finish(), viaLoop.finish()];
  assert.deepEqual([...a.correctness], [...b.correctness]);
  const [ta, tb] = [a.summary.logits?.temperature, b.summary.logits?.temperature];
  assert.ok(ta !== undefined && tb !== undefined);
  assert.equal(ta.rows, tb.rows);
  assert.ok(Math.abs(ta.temperature - tb.temperature) < 1e-6 && Math.abs(ta.nll - tb.nll) < 1e-6, `${ta.temperature}/${ta.nll} vs ${tb.temperature}/${tb.nll}`);
  assert.ok(Math.abs((a.summary.probabilities?.meanNll ?? 0) - (b.summary.probabilities?.meanNll ?? 1)) < 1e-6);
});

test('the kernel widens fp16 and bf16 exactly as the scalar decoder does, specials included', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined);
  // Every half-precision bit pattern: normals, subnormals, zeros, infinities, NaNs (19 rows of 3449, a tail).
  const all = Uint16Array.from({ length: 65536 }, (_, bits) => bits);
  const bytes = new Uint8Array(all.buffer, 0, 65531 * 2);
  for (const dtype of ['F16', 'BF16'] as const) {
    const widened = kernel.load(bytes, dtype, 19, 3449);
    assert.ok(widened !== undefined);
    const wanted = decodeFloats(bytes, dtype);
    assert.equal(widened.length, wanted.length);
    for (let i = 0; i < wanted.length; i++) {
      const a: number = widened[i] ?? 0;
      const b: number = wanted[i] ?? 0;
      if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) assert.fail(`${dtype} 0x${i.toString(16)}: ${a} vs ${b}`);
    }
  }
  assert.equal(kernel.load(new Uint8Array(16), 'F64', 1, 2), undefined, 'float64 is decoded by the caller');
});

test('the exact temperature passes of the kernel (float32 sums) agree with the scalar loop (float64) to 1e-6', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined);
  const rows = 300;
  const vocab = 37;
  let seed = 11;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const logits = Float32Array.from({ length: rows * vocab }, (_, i) =>
    i % vocab === 0 && Math.floor(i / vocab) % 5 === 0 ? -Infinity : (random() - 0.5) * 12,
  );
  const labels = Float64Array.from({ length: rows }, (_, r) => (r % 13 === 0 ? -100 : 1 + Math.floor(random() * (vocab - 1))));
  const planned = planEvaluation(
    [
      { name: 'labels', dtype: 'I64', shape: [rows], offset: 0, byteLength: 0 },
      { name: 'logits', dtype: 'F32', shape: [rows, vocab], offset: 0, byteLength: 0 },
    ],
    {},
    {},
  );
  assert.ok('plan' in planned);
  const fits = [
    new EvalComputation(planned.plan, labels, { temperature: true, batch: kernel }),
    new EvalComputation(planned.plan, labels, { temperature: true }),
  ].map((computation) => {
    const chunks = (add: (chunk: Float32Array, first: number) => void): void => {
      for (let first = 0; first < rows; first += 64) add(logits.subarray(first * vocab, Math.min(rows, first + 64) * vocab), first);
    };
    chunks((chunk, first) => computation.addLogitRows(chunk, first));
    while (computation.nextTemperaturePass() !== undefined) chunks((chunk, first) => computation.addTemperatureRows(chunk, first));
    return computation.finish().summary.logits?.temperature;
  });
  const [viaKernel, viaLoop] = fits;
  assert.ok(viaKernel !== undefined && viaLoop !== undefined);
  assert.equal(viaKernel.method, 'exact');
  assert.equal(viaLoop.method, 'exact');
  assert.ok(Math.abs(viaKernel.temperature - viaLoop.temperature) < 1e-6, `${viaKernel.temperature} vs ${viaLoop.temperature}`);
  assert.ok(Math.abs(viaKernel.nll - viaLoop.nll) < 1e-6 * viaLoop.nll, `${viaKernel.nll} vs ${viaLoop.nll}`);
});

test('an exact fit run to the end asks the kernel for no histograms, and fits the same temperature', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined);
  const rows = 200;
  const vocab = 41;
  let seed = 5;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const logits = Float32Array.from({ length: rows * vocab }, () => (random() - 0.5) * 10);
  const labels = Float64Array.from({ length: rows }, () => Math.floor(random() * vocab));
  const planned = planEvaluation(
    [
      { name: 'labels', dtype: 'I64', shape: [rows], offset: 0, byteLength: 0 },
      { name: 'logits', dtype: 'F32', shape: [rows, vocab], offset: 0, byteLength: 0 },
    ],
    {},
    {},
  );
  assert.ok('plan' in planned);
  let binnedRows = 0;
  const counting = {
    ...kernel,
    scoreRows: (...args: Parameters<typeof kernel.scoreRows>) => {
      binnedRows += args[4]?.filter((flag) => flag === 1).length ?? 0;
      return kernel.scoreRows(...args);
    },
  };
  const fit = (exactFit: boolean): unknown => {
    const computation = new EvalComputation(planned.plan, labels, { temperature: true, batch: counting, exactFit });
    for (let first = 0; first < rows; first += 64) computation.addLogitRows(logits.subarray(first * vocab, Math.min(rows, first + 64) * vocab), first);
    while (computation.nextTemperaturePass() !== undefined) computation.addTemperatureRows(logits, 0);
    return computation.finish().summary.logits?.temperature;
  };
  const withHistograms = fit(false);
  assert.equal(binnedRows, rows);
  binnedRows = 0;
  assert.deepEqual(fit(true), withHistograms);
  assert.equal(binnedRows, 0);
});
