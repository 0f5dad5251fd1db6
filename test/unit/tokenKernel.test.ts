import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyRowScore, scoreFromBatch, scoreRow } from '../../src/core/tokens/logitsRow';
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
  const out = kernel.scoreRows(logits, rows.length, vocab, labels);
  for (let r = 0; r < rows.length; r++) {
    const viaKernel = emptyRowScore();
    const viaLoop = emptyRowScore();
    scoreFromBatch(out, 5 * r, logits[r * vocab + (labels[r] as number)] as number, viaKernel);
    scoreRow(logits, r * vocab, vocab, labels[r] as number, viaLoop, undefined);
    assert.equal(viaKernel.argmax, viaLoop.argmax, `row ${r} argmax`);
    assert.equal(viaKernel.rank, viaLoop.rank, `row ${r} rank`);
    for (const key of ['labelLogProb', 'maxLogProb', 'entropy'] as const) {
      const [a, b] = [viaKernel[key], viaLoop[key]];
      assert.ok(Number.isNaN(a) ? Number.isNaN(b) : Math.abs(a - b) < 1e-6, `row ${r} ${key}: ${a} vs ${b}`);
    }
  }
  assert.equal(out[0], 1, 'first of the tied maxima');
  assert.ok(Number.isNaN(out[5 * 3 + 2] as number), 'NaN partition');
  const skipped = kernel.scoreRows(logits, 2, vocab, Int32Array.from([-1, 10]));
  assert.equal(skipped[5], 10, 'a row labelled -1 is skipped, the next scored');
});
