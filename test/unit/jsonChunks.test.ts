import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { jsonChunks } from '../../src/core/jsonChunks';

const joined = (value: unknown, indent: string): string => [...jsonChunks(value, indent)].join('');

test('the streamed JSON is exactly what JSON.stringify writes, compact and indented', () => {
  const value = fc.oneof(
    fc.jsonValue(),
    // A report's metrics: long number arrays with non-finite values (written as null) and nulls.
    fc.dictionary(
      fc.string(),
      fc.record({
        steps: fc.array(fc.integer(), { maxLength: 9000 }),
        values: fc.array(fc.oneof(fc.double(), fc.constant(null), fc.constant(-0)), { maxLength: 9000 }),
      }),
      { maxKeys: 3 },
    ),
    fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string(), fc.constant(undefined), fc.array(fc.integer()), fc.object())),
    fc.object(),
    fc.dictionary(fc.string(), fc.option(fc.integer(), { nil: undefined })),
  );
  fc.assert(
    fc.property(value, (v) => {
      assert.equal(joined(v, ''), JSON.stringify(v));
      assert.equal(joined(v, '  '), JSON.stringify(v, null, 2));
    }),
    { numRuns: 300 },
  );
});

test('a long number array is written in pieces, not as one string of its whole size', () => {
  const values = Array.from({ length: 100_000 }, (_, i) => i / 7);
  const pieces = [...jsonChunks({ values })];
  assert.ok(pieces.length >= 100_000 / 4096);
  assert.ok(Math.max(...pieces.map((piece) => piece.length)) < 200_000);
  assert.equal(pieces.join(''), JSON.stringify({ values }));
});

test("writing a report's number arrays leaves them as they were: numbers unboxed, not converted to arrays of objects", () => {
  // An optimized read of elements that has seen both arrays of objects and arrays of numbers made V8 convert
  // each numbers' array it then read to the general kind in place, every value boxed (24 bytes a number, not 8).
  setFlagsFromString('--allow-natives-syntax');
  const hasDoubleElements = new Function('array', 'return %HasDoubleElements(array)') as (array: unknown) => boolean;
  const runs = Array.from({ length: 400 }, (_, run) => {
    const steps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      steps.push(i + 0.5);
      values.push(run + i / 7);
    }
    return { id: `run-${run}`, sources: [{ path: `run-${run}/metrics.jsonl` }], metrics: { loss: { steps, values } } };
  });
  for (const piece of jsonChunks({ runs, problems: [] })) assert.ok(piece.length >= 0);
  const converted = runs.filter((run) => !hasDoubleElements(run.metrics.loss.steps) || !hasDoubleElements(run.metrics.loss.values));
  assert.equal(converted.length, 0);
});

test('number arrays held in several places (the steps a run store shares) are written alike each time, at any depth', () => {
  const numbers = fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant(-0)), { maxLength: 9000 });
  fc.assert(
    fc.property(fc.array(numbers, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(2), fc.nat(3)), { maxLength: 12 }), (arrays, uses) => {
      // Each use puts one of the arrays at one of four depths; the same array object recurs, nested or not.
      const at = (array: readonly unknown[], depth: number): unknown => (depth === 0 ? array : { inner: at(array, depth - 1) });
      const document = {
        metrics: Object.fromEntries(uses.map(([which, depth], i) => [`m${i}`, { steps: at(arrays[which % arrays.length] ?? [], depth), values: arrays[0] }])),
        again: uses.map(([which]) => arrays[which % arrays.length]),
      };
      assert.equal(joined(document, ''), JSON.stringify(document));
      assert.equal(joined(document, '  '), JSON.stringify(document, null, 2));
    }),
    { numRuns: 200 },
  );
});

test('an array written again after it changed is written as it now is', () => {
  const steps = [1, 2, 3];
  const pieces = jsonChunks({ a: steps, b: steps, c: steps }, '');
  const text: string[] = [];
  for (const piece of pieces) {
    text.push(piece);
    if (piece.endsWith('"b":')) steps.push(4);
  }
  assert.equal(text.join(''), '{"a":[1,2,3],"b":[1,2,3,4],"c":[1,2,3,4]}');
});
