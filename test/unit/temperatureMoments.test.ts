import assert from 'node:assert/strict';
import { test } from 'node:test';
import { temperatureRowSums, TEMPERATURE_ROW_WIDTH } from '../../src/core/tokens/logitsRow';
import { momentRowSums, MOMENTS, TemperatureMoments } from '../../src/core/tokens/temperatureMoments';
import { createWasmRowScorer } from '../../src/node/tokens/kernel/wasmRowScorer';

const VOCAB = 301; // not a multiple of 4: the kernel's tail is summed too

function randomRows(rows: number, spread: number, seed: number): Float32Array {
  let state = seed;
  const random = (): number => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return Float32Array.from({ length: rows * VOCAB }, () => (random() + random() - 1) * spread);
}

function rowMax(logits: Float32Array, row: number): number {
  let max = -Infinity;
  for (let i = row * VOCAB; i < (row + 1) * VOCAB; i++) max = Math.max(max, logits[i] as number);
  return max;
}

test('the kernel’s moments agree with the scalar loop’s (float64) to 1e-6, masked and NaN logits included', () => {
  const kernel = createWasmRowScorer();
  assert.ok(kernel !== undefined, 'Node has WebAssembly SIMD');
  const logits = randomRows(4, 3, 7);
  logits[VOCAB + 5] = -Infinity; // a masked token weighs nothing
  logits[2 * VOCAB + 300] = NaN; // in the tail: the row's moments are NaN
  const maxima = Float64Array.from({ length: 4 }, (_, r) => rowMax(logits, r));
  maxima[2] = 3;
  const labels = Int32Array.from([0, 1, 2, -1]);
  for (const beta of [0.4, 1, 2.5]) {
    const out = kernel.momentRows(logits, 4, VOCAB, labels, maxima, beta);
    const viaLoop = new Float64Array(MOMENTS);
    for (let r = 0; r < 3; r++) {
      momentRowSums(logits, r * VOCAB, VOCAB, maxima[r] as number, beta, viaLoop, 0);
      for (let k = 0; k < MOMENTS; k++) {
        const [a, b] = [out[MOMENTS * r + k] as number, viaLoop[k] as number];
        if (r === 2) assert.ok(Number.isNaN(a) && Number.isNaN(b), `row 2 (a NaN) moment ${k}: ${a} vs ${b}`);
        else assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `row ${r} at β ${beta}, moment ${k}: ${a} vs ${b}`);
      }
    }
  }
});

test('certified series give the exact sums at other temperatures; rows too far from their anchor are named, not used', () => {
  const rows = 6;
  const logits = randomRows(rows, 4, 11);
  const labels = [3, 10, 100, 200, 7, 0];
  const moments = new TemperatureMoments(VOCAB);
  const taken = new Float64Array(MOMENTS);
  const anchor = 1.3;
  for (let r = 0; r < rows; r++) {
    const max = rowMax(logits, r);
    momentRowSums(logits, r * VOCAB, VOCAB, max, anchor, taken, 0);
    moments.push(r, anchor, max, (logits[r * VOCAB + (labels[r] as number)] as number) - max, taken, 0);
  }
  // Near the anchor: the NLL and its derivatives from the series match sums taken at β itself.
  for (const beta of [1.3, 1.31, 1.28]) {
    const outcome = moments.evaluate(beta);
    assert.ok(outcome.certified, `certified at β ${beta}`);
    let [nll, slope, curvature] = [0, 0, 0];
    const sums = new Float64Array(TEMPERATURE_ROW_WIDTH);
    for (let r = 0; r < rows; r++) {
      temperatureRowSums(logits, r * VOCAB, VOCAB, beta, sums, 0);
      const [max, s0, s1, s2] = sums as unknown as [number, number, number, number];
      const gap = (logits[r * VOCAB + (labels[r] as number)] as number) - max;
      nll += Math.log(s0) - beta * gap;
      slope += s1 / s0 - gap;
      curvature += s2 / s0 - (s1 / s0) ** 2;
    }
    assert.ok(Math.abs(outcome.nll - nll) <= 1e-10 * Math.abs(nll), `NLL at β ${beta}: ${outcome.nll} vs ${nll}`);
    assert.ok(Math.abs(outcome.slope - slope) <= 1e-9, `slope at β ${beta}: ${outcome.slope} vs ${slope}`);
    assert.ok(Math.abs(outcome.curvature - curvature) <= 1e-9 * curvature, `curvature at β ${beta}: ${outcome.curvature} vs ${curvature}`);
  }
  // Far from it the bound fails: every row is named for retaking, none is used.
  const far = moments.evaluate(2.6);
  assert.deepEqual(far, { certified: false, firstToken: 0, endToken: rows });
  // Retaken at β, rows are exact there.
  for (let r = 0; r < rows; r++) {
    momentRowSums(logits, r * VOCAB, VOCAB, moments.max(r), 2.6, taken, 0);
    moments.retake(r, 2.6, taken, 0);
  }
  assert.ok(moments.evaluate(2.6).certified);
  assert.equal(moments.tokenAtOrAfter(3), 3);
  assert.equal(moments.tokenAtOrAfter(99), rows);
});

test('the anchors’ estimate is not pulled off by a minority of rows anchored far away', () => {
  // Rows like the benchmark's: logits about normal (spread 1.7), the label's raised by 0 to 8, so that the
  // best β is near 3, far from the 1 the first rows of an evaluation are anchored at.
  const rows = 400;
  let state = 2024;
  const random = (): number => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const labels = Array.from({ length: rows }, (_, r) => (r * 7919 + 13) % VOCAB);
  const logits = Float32Array.from(
    { length: rows * VOCAB },
    (_, i) => (random() + random() - 1) * 3 + (i % VOCAB === labels[Math.floor(i / VOCAB)] ? 8 * random() : 0),
  );
  const taken = new Float64Array(MOMENTS);
  /** The rows' moments, the first `farRows` taken at β 1 and the others at `near`. */
  const momentsWith = (farRows: number, near: number): TemperatureMoments => {
    const moments = new TemperatureMoments(VOCAB);
    for (let r = 0; r < rows; r++) {
      const max = rowMax(logits, r);
      const anchor = r < farRows ? 1 : near;
      momentRowSums(logits, r * VOCAB, VOCAB, max, anchor, taken, 0);
      moments.push(r, anchor, max, (logits[r * VOCAB + (labels[r] as number)] as number) - max, taken, 0);
    }
    return moments;
  };
  // The best β over every row: each row's moments taken at β itself (exact there), Newton to convergence.
  let best = 3;
  for (let step = 0; step < 20; step++) {
    const at = momentsWith(0, best).evaluate(best);
    assert.ok(at.certified);
    best -= at.slope / at.curvature;
  }
  // A quarter of the rows anchored at 1, the rest near the optimum: the estimate stays near it (2% here, the
  // others alone; 12% with the far rows carried along their curvature from 1).
  const estimate = momentsWith(rows / 4, best * 0.99).estimate(best * 0.99);
  assert.ok(Math.abs(estimate - best) < 0.05 * best, `estimate ${estimate}, best ${best}`);
});
