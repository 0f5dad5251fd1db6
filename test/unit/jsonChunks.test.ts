import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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
