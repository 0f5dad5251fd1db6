import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLenientJson } from '../../src/core/formats/lenientJson';

test('parses bare NaN and Infinity as Python writes them', () => {
  const value = parseLenientJson('{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1.5}') as Record<string, number>;
  assert.ok(Number.isNaN(value['a']));
  assert.equal(value['b'], Number.POSITIVE_INFINITY);
  assert.equal(value['c'], Number.NEGATIVE_INFINITY);
  assert.equal(value['d'], 1.5);
});

test('leaves NaN inside strings alone', () => {
  const value = parseLenientJson('{"note": "NaN \\" Infinity", "x": NaN}') as Record<string, unknown>;
  assert.equal(value['note'], 'NaN " Infinity');
  assert.ok(Number.isNaN(value['x'] as number));
});

test('still rejects text that is not JSON', () => {
  assert.throws(() => parseLenientJson('{"a": NaN'), SyntaxError);
  assert.throws(() => parseLenientJson('{"a": 1,'), SyntaxError);
});
