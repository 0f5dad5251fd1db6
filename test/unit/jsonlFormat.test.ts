import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { EMPTY_JSONL_CURSOR, looksLikeJsonlMetricLog, parseJsonlLine, readJsonlChunk, type JsonlCursor } from '../../src/core/formats/jsonlFormat';
import type { MetricPoint } from '../../src/core/types';
import { byKey, sampleFiles, samplesSkipReason } from './helpers';

const encoder = new TextEncoder();

function feed(bytes: Uint8Array, chunkSize: number): { points: MetricPoint[]; cursor: JsonlCursor; bad: number[] } {
  let cursor = EMPTY_JSONL_CURSOR;
  const points: MetricPoint[] = [];
  const bad: number[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const result = readJsonlChunk(cursor, bytes.subarray(i, i + chunkSize));
    cursor = result.cursor;
    points.push(...result.points);
    bad.push(...result.badLines.map((line) => line.line));
  }
  return { points, cursor, bad };
}

const log = [
  '{"current_steps": 10, "total_steps": 100, "loss": 0.85, "lr": 1e-05, "epoch": 0.1, "percentage": 10, "elapsed_time": "0:02:12"}',
  '{"current_steps": 10, "total_steps": 100, "eval_loss": 0.9, "epoch": 0.1, "note": "é ✓ 日本"}',
  '{"step": 20, "eval/mean_token_accuracy": 0.5, "eval/loss": NaN, "nested": {"a": 1}, "list": [1]}',
  '{"step": 30, "loss": 0.7',
].join('\n');

test('the same points whether fed whole or byte by byte', () => {
  const bytes = encoder.encode(log);
  const whole = feed(bytes, bytes.length);
  for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(feed(bytes, size).points, whole.points, `chunk size ${size}`);
  assert.deepEqual(byKey(whole.points, 'loss'), [[10, 0.85]], 'the partial last line waits');
  assert.deepEqual(byKey(whole.points, 'eval_loss'), [[10, 0.9]]);
  assert.deepEqual(byKey(whole.points, 'lr'), [[10, 1e-5]]);
  assert.ok(Number.isNaN(byKey(whole.points, 'eval/loss')[0]?.[1] as number));
  assert.deepEqual(
    whole.points.map((p) => p.key).filter((k) => ['total_steps', 'percentage', 'current_steps', 'epoch', 'nested', 'list', 'note'].includes(k)),
    [],
  );
});

test('a partial line is read once its newline arrives, and the cursor counts every byte', () => {
  const first = readJsonlChunk(EMPTY_JSONL_CURSOR, encoder.encode('{"step": 1, "loss": 2'));
  assert.equal(first.points.length, 0);
  const second = readJsonlChunk(first.cursor, encoder.encode('.5}\n'));
  assert.deepEqual(byKey(second.points, 'loss'), [[1, 2.5]]);
  assert.equal(second.cursor.offset, 25);
  assert.equal(second.cursor.pendingBytes.length, 0);
});

test('a corrupt line is reported with its number and the rest is kept', () => {
  const result = feed(encoder.encode('{"step": 1, "loss": 1}\n{"step": 2, "lo\n{"step": 3, "loss": 3}\n[1]\n'), 5);
  assert.deepEqual(byKey(result.points, 'loss'), [
    [1, 1],
    [3, 3],
  ]);
  assert.deepEqual(result.bad, [2, 4]);
});

test('a dataset in JSONL is not mistaken for a metric log', () => {
  assert.equal(looksLikeJsonlMetricLog('{"instruction": "x", "output": "y"}\n'), false);
  assert.equal(looksLikeJsonlMetricLog('{"step": 1, "loss": 0.5}\n'), true);
});

test('real LLaMA-Factory trainer_log.jsonl files read the same in one piece and in small chunks', { skip: samplesSkipReason('llamafactory') }, () => {
  const files = sampleFiles('llamafactory', '.jsonl');
  assert.ok(files.length > 0);
  for (const file of files) {
    const bytes = readFileSync(file);
    const whole = feed(bytes, bytes.length);
    assert.ok(
      whole.points.some((p) => p.key === 'loss'),
      `${file} has a loss`,
    );
    assert.deepEqual(whole.bad, [], file);
    assert.deepEqual(feed(bytes, 97).points, whole.points, file);
  }
});

test("LLaMA-Factory's throughput written as text is a number; elapsed and remaining times are not", () => {
  const line =
    '{"current_steps": 10, "total_steps": 8660, "loss": 2.4977, "throughput": "1234.56", "elapsed_time": "0:00:24", "remaining_time": "1 day, 0:08:23", "total_tokens": 0}\n';
  const { points } = feed(encoder.encode(line), line.length);
  assert.deepEqual(
    points.map((point) => [point.key, point.step, point.value]),
    [
      ['loss', 10, 2.4977],
      ['throughput', 10, 1234.56],
      ['total_tokens', 10, 0],
    ],
  );
});

/** Reads `lines` as one chunk and asserts the points and bad lines `parseJsonlLine` gives line by line; returns those points. */
function assertReadAsParsed(lines: readonly string[]): MetricPoint[] {
  const result = readJsonlChunk(EMPTY_JSONL_CURSOR, encoder.encode(lines.map((text) => `${text}\n`).join('')));
  const expected = lines.map((text) => parseJsonlLine(text));
  const points = expected.flatMap((parsed) => ('points' in parsed ? parsed.points : []));
  assert.deepStrictEqual(result.points, points);
  assert.deepStrictEqual(
    result.badLines,
    expected.flatMap((parsed, i) => ('error' in parsed ? [{ line: i + 1, message: parsed.error }] : [])),
  );
  return points;
}

test('a chunk gives, line by line, exactly what parseJsonlLine gives: the strict fast path and the lenient one agree', () => {
  const line = fc.oneof(
    fc
      .record({
        step: fc.integer({ min: 0, max: 1e6 }),
        loss: fc.double(),
        epoch: fc.option(fc.double({ noNaN: true }), { nil: undefined }),
        note: fc.string(),
      })
      .map((record) => JSON.stringify(record)),
    fc.constantFrom(
      '',
      '   ',
      '\r',
      '\ufeff{"step": 1, "loss": 2}',
      '{"step": 2, "loss": NaN}',
      '{"step": 3, "loss": -Infinity}',
      '[1, 2]',
      '7',
      '{"step": 4, "loss": 1',
      ' {"step": 5, "loss": 0.5} \r',
      '{"loss": 1}',
    ),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
      assertReadAsParsed(lines);
    }),
  );
});

test('lines of keys and numbers, read in place without JSON.parse, give exactly what parseJsonlLine gives', () => {
  const digits = (min: number, max: number): fc.Arbitrary<string> =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
  // Every JSON number form: sign, integer part, fraction, exponent; short and exact, long (over 15 digits), huge, tiny, -0.
  const number = fc.oneof(
    fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 20)).map(([d, rest]) => `${d}${rest}`),
        ),
        fc.option(digits(1, 25)),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4))),
      )
      .map(
        ([negative, whole, fraction, exponent]) =>
          `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`,
      ),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
    fc.constantFrom('1e999', '-1e999', '0.1', '-0', '-0.0', '007', '1.', '.5', '+1', '0x1F', '1e', 'true', 'false', 'null', 'nul', 'nullx', '[1]', '{}'),
    fc.constantFrom('"2.5"', '"1,234"', '" 7 "', '"nan"', '"inf"', '"0:00:01"', '""', '"a\\"b"', '"0x10"', '"1e3"'),
  );
  const key = fc.constantFrom(
    'step',
    'global_step',
    'iter',
    '_step',
    'trainer/global_step',
    'epoch',
    '_timestamp',
    'timestamp',
    'loss',
    'eval/loss',
    'lr',
    '__proto__',
    '3',
    '1a',
    'a\\u0062',
    'é',
    '_runtime',
  );
  const space = fc.constantFrom('', ' ', '  ', '\t', '\r');
  const line = fc
    .array(fc.tuple(key, number, space, space), { maxLength: 6 })
    .chain((fields) =>
      fc
        .tuple(space, space, fc.constantFrom('', ',', 'x', '}'))
        .map(
          ([before, after, trailing]) => `${before}{${fields.map(([k, value, s1, s2]) => `${s1}"${k}"${s2}:${s1}${value}${s2}`).join(',')}}${after}${trailing}`,
        ),
    );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
      const expected = assertReadAsParsed(lines);
      // A line at a time too: a number the reader leaves to JSON.parse sends the rest of its chunk there.
      let cursor = EMPTY_JSONL_CURSOR;
      const oneByOne = lines.flatMap((text) => {
        const read = readJsonlChunk(cursor, encoder.encode(`${text}\n`));
        cursor = read.cursor;
        return read.points;
      });
      assert.deepStrictEqual(oneByOne, expected);
    }),
    { numRuns: 2000 },
  );
});
