import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTrainerState, TRAINER_STATE_FORMAT } from '../../src/core/formats/trainerStateFormat';
import {
  entryStartAfter,
  scanLogHistoryTail,
  scanTrainerState,
  scanTrainerStateBefore,
  type ScannedTrainerState,
} from '../../src/core/formats/trainerStateScan';
import { ByteNumberReader } from '../../src/core/formats/trainerStateNumber';
import { PointColumns } from '../../src/core/pointColumns';
import type { MetricPoint } from '../../src/core/types';
import { LogIngest } from '../../src/node/logIngest';
import { sampleFiles, samplesSkipReason } from './helpers';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

type Read = { kind: 'ok'; points: MetricPoint[] } | { kind: 'incomplete' | 'invalid'; message: string };

/** The format's read of the bytes, columns turned back into points. */
function viaFormat(bytes: Uint8Array): Read {
  if (TRAINER_STATE_FORMAT.kind !== 'whole') return assert.fail('a whole-file format');
  const result = TRAINER_STATE_FORMAT.parse(bytes, '/run/trainer_state.json');
  if (result.kind !== 'ok') return result;
  return { kind: 'ok', points: result.columns === undefined ? result.points : (assert.equal(result.points.length, 0), result.columns.toPoints()) };
}

/** The read before the scan: `JSON.parse` of the whole text. */
function viaText(bytes: Uint8Array): Read {
  const result = parseTrainerState(decoder.decode(bytes));
  return result.kind === 'ok' ? { kind: 'ok', points: result.points } : result;
}

function assertSameRead(bytes: Uint8Array): void {
  // Strict: NaN equals NaN, -0 differs from 0, a point without an epoch has no `epoch` property.
  assert.deepStrictEqual(viaFormat(bytes), viaText(bytes), decoder.decode(bytes.subarray(0, 2000)));
}

/** How Python's `repr` writes a float: the shortest digits, positional from 1e-4 to 1e16, else `1.5e-05`. */
function pythonRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [digits = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -5 && exponent < 16) {
    const text = String(x);
    return text.includes('.') || text.includes('e') ? text : `${text}.0`;
  }
  return `${digits}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

const double = fc.double({ noDefaultInfinity: false, noNaN: false });
const numberText = fc.oneof(
  double.map(pythonRepr),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toPrecision(17)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x.toExponential(16).replace('e', 'E')),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?$/),
);
const stringText = fc.oneof(
  fc.constantFrom('"1.5"', '" 2"', '"abc"', '"0:01:02"', '"NaN"', '"inf"', '"1e400"', '"caf\u00e9"', '"a\\nb"', '"\\u00e9"', '"\\u0000NaN"', '"x\\"y"'),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
);
const valueText = fc.oneof(
  { weight: 8, arbitrary: numberText },
  { weight: 2, arbitrary: stringText },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', 'false', 'NaN', 'Infinity', '-Infinity', '[0.5, 0.2]', '{"a": 1}', '[]', '{}', '-NaN', 'nul', '01') },
);
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('step', 'epoch', 'loss', 'eval_loss', 'learning_rate', 'grad_norm', 'eval_mean_token_accuracy', 'total_flos') },
  { weight: 2, arbitrary: fc.constantFrom('_timestamp', 'timestamp', 'global_step', '_runtime', 'train_runtime', '3', '10', '__proto__') },
  { weight: 1, arbitrary: fc.constantFrom('k\u00e9y', 'lo\\u0073s', 'st\\"ep', 'a b', 'eval/loss') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6 }).map((s) => JSON.stringify(s).slice(1, -1)) },
);

interface Style {
  readonly item: string;
  readonly colon: string;
  readonly open: string;
  readonly close: string;
}
const styles: readonly Style[] = [
  { item: ',\n      ', colon: ': ', open: '{\n      ', close: '\n    }' },
  { item: ', ', colon: ': ', open: '{', close: '}' },
  { item: ',', colon: ':', open: '{', close: '}' },
  { item: ' ,\t\r\n', colon: ' :\t', open: '{ \r\n', close: ' \t}' },
];
const entryText = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(key, valueText), { maxLength: 8 }), fc.option(numberText, { nil: undefined }), fc.integer({ min: 0, max: styles.length - 1 }))
      .map(([pairs, step, style]) => {
        const s = styles[style] as Style;
        const all = step === undefined ? pairs : [...pairs, ['step', step] as const];
        return all.length === 0 ? '{}' : s.open + all.map(([k, v]) => `"${k}"${s.colon}${v}`).join(s.item) + s.close;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('1', 'null', '"x"', '[1, 2]', '[]', '{"step": 1, "loss": {"a": [1, {"b": "]"}]}}') },
);
const historyText = fc
  .tuple(fc.array(entryText, { maxLength: 12 }), fc.constantFrom(',\n    ', ', ', ',', ' , '))
  .map(([entries, separator]) => (entries.length === 0 ? '[]' : `[\n    ${entries.join(separator)}\n  ]`));
const otherMember = fc.constantFrom(
  '"best_metric": null',
  '"best_metric": 0.8123456789012345',
  '"best_model_checkpoint": "out/checkpoint-500"',
  '"best_model_checkpoint": "caf\u00e9/\\u00e9"',
  '"epoch": 3.0',
  '"stateful_callbacks": {"TrainerControl": {"args": {"should_save": true}, "attributes": {}}}',
  '"trial_params": null',
  '"total_flos": 1.2345678901234567e+18',
  '"note": "a ] } [ { \\" inside"',
  '"x": NaN',
  '"log_history_extra": [1]',
  '"s": "\\u0000NaN"',
);
const stateText = fc
  .tuple(
    fc.array(otherMember, { maxLength: 4 }),
    historyText,
    fc.nat(4),
    fc.constantFrom('\n', '', '\n\n', ' \t'),
    fc.constantFrom('log_history', 'log_history', 'log_history', 'log\\u005fhistory'),
  )
  .map(([others, history, at, end, historyKey]) => {
    const members: string[] = [...others];
    members.splice(Math.min(at, members.length), 0, `"${historyKey}": ${history}`);
    return `{\n  ${members.join(',\n  ')}\n}${end}`;
  });

test('the scan reads what JSON.parse of the whole text reads, for varied trainer states', () => {
  fc.assert(
    fc.property(stateText, (text) => {
      assertSameRead(encoder.encode(text));
    }),
    { numRuns: 3000 },
  );
});

test('a state cut short, damaged, marked or given twice a log_history reads as the whole-text parse does', () => {
  fc.assert(
    fc.property(stateText, fc.nat(), fc.nat(255), fc.constantFrom('cut', 'byte', 'mark', 'mark-after', 'twice'), (text, at, byte, change) => {
      const bytes = encoder.encode(text);
      const where = at % (bytes.length + 1);
      let changed: Uint8Array;
      if (change === 'cut') changed = bytes.subarray(0, where);
      else if (change === 'byte') {
        changed = bytes.slice();
        if (where < changed.length) changed[where] = byte;
      } else if (change === 'mark') changed = encoder.encode(`\ufeff${text}`);
      else if (change === 'mark-after') changed = encoder.encode(text.replace(/\]\n\s*\}/, ']\ufeff\n}'));
      else changed = encoder.encode(text.replace(/\n\}\s*$/, ',\n  "log_history": []\n}'));
      assertSameRead(changed);
    }),
    { numRuns: 3000 },
  );
});

test('a file rewritten while it is read (a prefix of the new text after the old) reads as the whole-text parse does', () => {
  fc.assert(
    fc.property(stateText, stateText, fc.nat(), (before, after, at) => {
      const old = encoder.encode(before);
      const next = encoder.encode(after);
      const where = at % (old.length + 1);
      const mixed = new Uint8Array(old.length);
      mixed.set(next.subarray(0, where));
      mixed.set(old.subarray(where), Math.min(where, next.length));
      assertSameRead(mixed.subarray(0, Math.min(where, next.length) + old.length - where));
    }),
    { numRuns: 1000 },
  );
});

test('a byte-order mark inside the file is refused as the whole-text parse refuses it', () => {
  // Decoding an entry's bytes apart would drop a mark at its start, and the entry would parse.
  for (const text of [
    '{"log_history": [\ufeff"x"]}',
    '{"log_history": [\ufeff1, {"step": 1, "loss": 2}]}',
    '{"log_history": [{"step": 1}, \ufeff{"step": 2}]}',
  ]) {
    const bytes = encoder.encode(text);
    assert.equal(viaText(bytes).kind, 'incomplete', text);
    assertSameRead(bytes);
  }
});

test('a flat Trainer dump is read by the scan, not by the whole-text parse', () => {
  const history = Array.from({ length: 50 }, (_, i) =>
    i % 5 === 4
      ? { epoch: i / 10, eval_loss: 1 / (i + 1), eval_runtime: 12.5, step: i * 5 }
      : { epoch: i / 10, grad_norm: Math.sqrt(i + 0.3), learning_rate: 5e-5 * (1 - i / 50), loss: 2 / Math.log(i + 2), step: i * 5 },
  );
  const bytes = encoder.encode(JSON.stringify({ best_metric: null, global_step: 245, log_history: history, max_steps: 245 }, null, 2));
  const scanned = scanTrainerState(bytes);
  assert.ok(scanned !== undefined);
  assert.equal(scanned.columns.size, 40 * 3 + 10 * 2);
  assertSameRead(bytes);
});

test('numbers are read to the double JSON.parse gives, near ties included', () => {
  const reader = new ByteNumberReader();
  const check = (text: string): void => {
    const bytes = encoder.encode(`${text},`);
    assert.ok(Object.is(reader.read(bytes, 0), JSON.parse(text)), text);
    assert.equal(reader.end, text.length, text);
  };
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      for (const text of [String(x), pythonRepr(x), x.toPrecision(16), x.toPrecision(17), x.toExponential(18)]) check(text);
    }),
    { numRuns: 20000 },
  );
  // Decimals of 16 to 19 digits just below, at and above the midpoint between a double and the next one up.
  const view = new DataView(new ArrayBuffer(8));
  fc.assert(
    fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.integer({ min: 16, max: 19 }), (x, digits) => {
      view.setFloat64(0, x);
      const bits = view.getBigUint64(0);
      const biased = Number(bits >> 52n);
      if (biased === 0) return;
      // x = mantissa · 2^exponent; the midpoint is (2 · mantissa + 1) · 2^(exponent − 1) = that · 5^(1 − exponent) / 10^(1 − exponent).
      const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
      const exponent = biased - 1075;
      if (exponent >= 1) return;
      const midpoint = ((2n * mantissa + 1n) * 5n ** BigInt(1 - exponent)).toString();
      for (const delta of [-1n, 0n, 1n]) {
        const head = BigInt(midpoint.slice(0, digits)) + delta;
        check(`${head}e${midpoint.length - digits - (1 - exponent)}`);
      }
    }),
    { numRuns: 5000 },
  );
  for (const text of [
    '0',
    '-0',
    '-0.0',
    '0.49999999999999997',
    '0.49999999999999999',
    '1e22',
    '1e23',
    '9007199254740993',
    '1e-400',
    '1e400',
    '123456789012345678901234567890',
  ])
    check(text);
});

test('numbers of any count of digits before and after the point read as JSON.parse reads them', () => {
  const reader = new ByteNumberReader();
  const digits = (min: number, max: number): fc.Arbitrary<string> =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 21)).map(([first, rest]) => `${first}${rest}`),
      ),
      fc.option(digits(1, 26), { nil: undefined }),
      fc.option(fc.integer({ min: -340, max: 330 }), { nil: undefined }),
      fc.constantFrom(',', '}', '\n', ' ', ']'),
      (negative, whole, fraction, exponent, after) => {
        const text = `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `e${exponent}`}`;
        const bytes = encoder.encode(`${text}${after}`);
        assert.ok(Object.is(reader.read(bytes, 0), JSON.parse(text)), text);
        assert.equal(reader.end, text.length, text);
      },
    ),
    { numRuns: 20000 },
  );
  // A number at the very end of the bytes, and digits right up to it, in runs of four and not.
  for (const text of ['1234', '12345678', '0.1234', '0.12345678', '123456789012345678', '1.2345678901234567', '0.000049999250000000004']) {
    const bytes = encoder.encode(text);
    assert.ok(Object.is(reader.read(bytes, 0), JSON.parse(text)), text);
    assert.equal(reader.end, text.length, text);
  }
});

/** A scan that stops at `split` and takes the rest from `scanLogHistoryTail` (or, `ownTail` false, reads it itself): the same columns and rest as one scan. */
function scanSplitAt(bytes: Uint8Array, split: number, ownTail: boolean): { stopped: boolean; scanned: ScannedTrainerState | undefined } {
  const scan = scanTrainerStateBefore(bytes, split);
  if (!scan.stopped) return { stopped: false, scanned: scan.result };
  if (ownTail) return { stopped: true, scanned: scan.resume(undefined) };
  const tail = new PointColumns(16);
  const end = scanLogHistoryTail(bytes, split, tail);
  if (end < 0) return { stopped: true, scanned: scan.resume(undefined) };
  scan.columns.appendExported(tail.exported());
  return { stopped: true, scanned: scan.resume(end) };
}

const summary = (scanned: ScannedTrainerState | undefined): unknown =>
  scanned === undefined ? undefined : { points: scanned.columns.toPoints(), rest: scanned.rest, maxStep: scanned.columns.maxStep };

test('a scan split at any place reads what one scan reads: stopped only at an entry of log_history itself, the tail read apart', () => {
  let stops = 0;
  fc.assert(
    fc.property(stateText, fc.nat(), fc.boolean(), (text, seed, ownTail) => {
      const bytes = encoder.encode(text);
      const whole = summary(scanTrainerState(bytes));
      // Every place a split could be guessed at, and one anywhere.
      const places = new Set<number>([seed % (bytes.length + 1)]);
      for (let from = 0; from < bytes.length; from++) {
        const at = entryStartAfter(bytes, from);
        if (at < 0) break;
        places.add(at);
        from = at;
      }
      for (const split of places) {
        const { stopped, scanned } = scanSplitAt(bytes, split, ownTail);
        if (stopped) stops++;
        assert.deepStrictEqual(summary(scanned), whole, `split at ${split} of ${text}`);
      }
    }),
    { numRuns: 1500 },
  );
  assert.ok(stops > 500, `${stops} splits were met`);
});

test('a split guessed inside a string or a nested entry is never met, and the scan reads on alone', () => {
  const tricky =
    '{\n  "log_history": [\n    {"loss": 1.5, "step": 1, "note": "}, {\\"loss\\": 9, \\"step\\": 9}"},\n    {"loss": {"a": 1}, "b": [{"x": 1}, {"y": 2}], "step": 2},\n    {"loss": 0.5, "step": 3}\n  ]\n}';
  const bytes = encoder.encode(tricky);
  const whole = summary(scanTrainerState(bytes));
  assert.notEqual(whole, undefined);
  const inString = entryStartAfter(bytes, tricky.indexOf('"note"'));
  const nested = entryStartAfter(bytes, tricky.indexOf('"b"'));
  const real = entryStartAfter(bytes, tricky.indexOf('"step": 2'));
  assert.ok(inString > 0 && nested > inString && real > nested);
  assert.equal(scanSplitAt(bytes, inString, false).stopped, false);
  assert.equal(scanSplitAt(bytes, nested, false).stopped, false);
  assert.equal(scanSplitAt(bytes, real, false).stopped, true);
  for (const split of [inString, nested, real]) assert.deepStrictEqual(summary(scanSplitAt(bytes, split, false).scanned), whole);
});

const realStates = sampleFiles('trainer_state', 'trainer_state.json');
test('real trainer_state.json files read the same by the scan and the whole-text parse', { skip: samplesSkipReason('trainer_state') }, () => {
  assert.ok(realStates.length > 0);
  for (const file of realStates) {
    const bytes = new Uint8Array(readFileSync(file));
    assert.ok(scanTrainerState(bytes) !== undefined, `${file} is scanned`);
    assertSameRead(bytes);
  }
});

test('a rewritten trainer_state.json replaces what its earlier read gave, through the columns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-trainer-scan-'));
  const file = join(dir, 'trainer_state.json');
  const state = (history: readonly Record<string, number>[]): string => JSON.stringify({ best_metric: null, log_history: history }, null, 2);
  writeFileSync(
    file,
    state([
      { epoch: 0.5, loss: 2.5, step: 10 },
      { epoch: 1, loss: 2.25, step: 20 },
      { epoch: 1, eval_loss: 2.3, step: 20 },
    ]),
  );
  assert.ok(scanTrainerState(new Uint8Array(readFileSync(file))) !== undefined, 'the file is one the scan reads');
  const ingest = new LogIngest(() => undefined);
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss')?.values, [2.5, 2.25]);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('eval_loss')?.values, [2.3]);
  // A training restarted into the same folder: the new state holds fewer steps, and none of the old ones stay.
  writeFileSync(file, state([{ epoch: 0.5, loss: 3.5, step: 10 }]));
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss')?.values, [3.5]);
  assert.equal(ingest.store.snapshot(dir)?.metrics.get('eval_loss'), undefined);
  assert.deepEqual(ingest.problems(), []);
  ingest.dispose();
  rmSync(dir, { recursive: true });
});
