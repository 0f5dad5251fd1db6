import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TokenRecords } from '../../src/core/tokens/tokenRecords';
import { SHARE_MIN_RISE, tokenShift, type TokenShift } from '../../src/core/tokens/tokenShift';
import { chooseEvaluations, tokensReport, tokensReportLines } from '../../src/core/tokens/tokenShiftView';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';

function records(labels: number[], sequence: number[], position: number[], nll?: number[], confidence?: number[]): TokenRecords {
  return {
    labels: Int32Array.from(labels),
    sequence: Int32Array.from(sequence),
    position: Int32Array.from(position),
    ...(nll === undefined || confidence === undefined ? {} : { nll: Float32Array.from(nll), confidence: Float32Array.from(confidence) }),
  };
}

const close = (actual: number | null | undefined, expected: number, what: string): void =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

function shifted(result: TokenShift | { refused: string }): TokenShift {
  if ('refused' in result) assert.fail(result.refused);
  return result;
}

const before = {
  step: 100,
  correctness: Uint8Array.from([1, 0, 1, 1]),
  records: records([5, 7, 5, 9], [0, 0, 1, 1], [0, 1, 0, 1], [0.1, 1.0, 0.2, 0.5], [0.95, 0.5, 0.9, 0.6]),
};
const after = {
  step: 200,
  correctness: Uint8Array.from([1, 0, 0, 1]),
  records: records([5, 7, 5, 9], [0, 0, 1, 1], [0, 1, 0, 1], [0.3, 2.0, 0.1, 0.5], [0.97, 0.95, 0.92, 0.6]),
};

test('a hand-computed shift: per token its count, accuracy, mean NLL, share of the rise and over-confident errors at both', () => {
  const shift = shifted(tokenShift(before, after));
  // ΔNLL by position: 0.2, 1.0, −0.1, 0: the total rise is 1.1 nats.
  close(shift.totalNllChange, 1.1, 'total');
  close(shift.totalAbsoluteNllChange, 1.3, 'absolute');
  assert.equal(shift.shares.defined, true);
  assert.deepEqual(
    shift.tokens.map((entry) => entry.id),
    [7, 5, 9],
  );
  const [seven, five, nine] = shift.tokens;
  assert.deepEqual([seven?.count, seven?.accuracyFrom, seven?.accuracyTo, seven?.overconfidentFrom, seven?.overconfidentTo], [1, 0, 0, 0, 1]);
  close(seven?.share, 1.0 / 1.1, 'share of 7');
  close(seven?.meanNllTo, 2.0, 'NLL of 7 after');
  // Token 5: positions 0 and 2, right then right and wrong (at confidence 0.92, above 0.9).
  assert.deepEqual([five?.count, five?.accuracyFrom, five?.accuracyTo, five?.overconfidentFrom, five?.overconfidentTo], [2, 1, 0.5, 0, 1]);
  close(five?.share, 0.1 / 1.1, 'share of 5');
  close(five?.meanNllFrom, 0.15, 'NLL of 5 before');
  close(five?.meanNllTo, 0.2, 'NLL of 5 after');
  close(nine?.share, 0, 'share of 9');
  assert.equal(shift.buckets.length, 1);
  assert.deepEqual([shift.buckets[0]?.first, shift.buckets[0]?.last, shift.buckets[0]?.count], [0, 15, 4]);
  close(shift.buckets[0]?.share, 1, 'bucket share');
  // A higher threshold: 0.92 is no longer over-confident, 0.95 still is.
  const strict = shifted(tokenShift(before, after, { overconfidence: 0.94 }));
  assert.deepEqual(
    strict.tokens.map((entry) => entry.overconfidentTo),
    [1, 0, 0],
  );
});

test('positions pair by sequence and position whatever their order; positions in one evaluation only are counted, not compared', () => {
  const reordered = {
    step: 200,
    correctness: Uint8Array.from([1, 0, 1, 0, 1]),
    records: records([9, 5, 3, 5, 7], [1, 1, 2, 0, 0], [1, 0, 0, 0, 1], [0.5, 0.1, 4, 0.3, 2.0], [0.6, 0.92, 0.5, 0.97, 0.95]),
  };
  const shift = shifted(tokenShift(before, reordered));
  assert.deepEqual([shift.pairedPositions, shift.onlyFrom, shift.onlyTo], [4, 0, 1]);
  assert.deepEqual(
    shift.tokens.map((entry) => [entry.id, entry.count]),
    [
      [7, 1],
      [5, 2],
      [9, 1],
    ],
  );
  close(shift.totalNllChange, 1.1, 'total over the paired positions only');
});

test('different labels at a paired position refuse the comparison and say where', () => {
  const other = { ...after, records: records([5, 8, 5, 9], [0, 0, 1, 1], [0, 1, 0, 1], [0.3, 2.0, 0.1, 0.5], [0.97, 0.95, 0.92, 0.6]) };
  const result = tokenShift(before, other);
  assert.ok('refused' in result);
  assert.match(result.refused, /labels differ at 1 of 4 positions .* sequence 0, position 1: token 7, then 8/);
  const none = tokenShift(before, { ...after, records: records([5], [9], [0], [0.1], [0.5]) });
  assert.ok('refused' in none && /No position/.test(none.refused));
  const missing = tokenShift(before, { step: 200, correctness: after.correctness });
  assert.ok('refused' in missing && /No per-token records for step 200/.test(missing.refused));
});

test('a fall or a rise lost in cancellation gives no shares: tokens are ordered by their NLL change, and the report says why', () => {
  const fell = { ...after, records: records([5, 7, 5, 9], [0, 0, 1, 1], [0, 1, 0, 1], [0.1, 0.5, 0.2, 0.5], [0.95, 0.5, 0.9, 0.6]) };
  const shift = shifted(tokenShift(before, fell));
  assert.equal(shift.shares.defined, false);
  assert.ok(shift.tokens.every((entry) => entry.share === null));
  assert.deepEqual(
    shift.tokens.map((entry) => entry.id),
    [5, 9, 7],
  );
  assert.match(shift.shares.how, /shares of the rise are not defined/);
});

test('predictions alone: accuracy and counts, no NLL, tokens ordered by positions turned wrong', () => {
  const a = { step: 1, correctness: Uint8Array.from([1, 1, 1]), records: records([4, 6, 6], [0, 0, 0], [0, 1, 2]) };
  const b = { step: 2, correctness: Uint8Array.from([1, 0, 0]), records: records([4, 6, 6], [0, 0, 0], [0, 1, 2]) };
  const shift = shifted(tokenShift(a, b));
  assert.deepEqual(
    shift.tokens.map((entry) => [entry.id, entry.accuracyTo, entry.meanNllFrom, entry.share, entry.overconfidentTo]),
    [
      [6, 0, null, null, null],
      [4, 1, null, null, null],
    ],
  );
});

/** A small seeded generator (mulberry32): the property test is the same on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random evaluations: counts sum to the paired positions, exactly by id; shares sum to 1 whenever the NLL rose', () => {
  const random = generator(15);
  let withShares = 0;
  for (let trial = 0; trial < 200; trial++) {
    const sequences = 1 + Math.floor(random() * 6);
    const length = 1 + Math.floor(random() * 400);
    const vocab = 1 + Math.floor(random() * 30);
    const places: [number, number][] = [];
    for (let s = 0; s < sequences; s++) for (let p = 0; p < length; p++) if (random() < 0.8) places.push([s, p]);
    const labels = places.map(() => Math.floor(random() * vocab));
    const make = (order: number[], drift: number): { step: number; correctness: Uint8Array; records: TokenRecords } => ({
      step: drift,
      correctness: Uint8Array.from(order.map(() => (random() < 0.6 ? 1 : 0))),
      records: records(
        order.map((i) => labels[i] as number),
        order.map((i) => (places[i] as [number, number])[0]),
        order.map((i) => (places[i] as [number, number])[1]),
        order.map(() => random() * 3 + drift * random()),
        order.map(() => random()),
      ),
    });
    const identity = places.map((_, i) => i);
    // The later evaluation lists the places in another order and drops some.
    const shuffled = identity.filter(() => random() < 0.9).sort(() => random() - 0.5);
    const shift = shifted(tokenShift(make(identity, 0), make(shuffled, random() < 0.5 ? 1 : 0)));
    assert.equal(shift.pairedPositions, shuffled.length);
    assert.equal(shift.onlyFrom, places.length - shuffled.length);
    assert.equal(
      shift.tokens.reduce((sum, entry) => sum + entry.count, 0),
      shuffled.length,
    );
    assert.equal(
      shift.buckets.reduce((sum, bucket) => sum + bucket.count, 0),
      shuffled.length,
    );
    const expected = new Map<number, number>();
    for (const i of shuffled) expected.set(labels[i] as number, (expected.get(labels[i] as number) ?? 0) + 1);
    assert.deepEqual(new Map(shift.tokens.map((entry) => [entry.id, entry.count])), expected);
    const total = shift.totalNllChange ?? NaN;
    if (total > SHARE_MIN_RISE * (shift.totalAbsoluteNllChange ?? Infinity)) {
      withShares++;
      close(
        shift.tokens.reduce((sum, entry) => sum + (entry.share ?? NaN), 0),
        1,
        'token shares',
      );
      close(
        shift.buckets.reduce((sum, bucket) => sum + (bucket.share ?? NaN), 0),
        1,
        'bucket shares',
      );
      for (let k = 1; k < shift.tokens.length; k++) assert.ok((shift.tokens[k - 1]?.share as number) >= (shift.tokens[k]?.share as number));
    } else assert.equal(shift.shares.defined, false);
  }
  assert.ok(withShares > 50, `${withShares} trials had a rise`);
});

const summary = (meanNll: number): TokenSummary => ({ tokens: 4, correct: 3, accuracy: 0.75, probabilities: { meanNll } }) as unknown as TokenSummary;

test('the evaluations compared: the least-loss one and the latest, else the first and the latest, or the steps asked for', () => {
  const at = (step: number, meanNll: number): typeof before & { summary: TokenSummary } => ({ ...before, step, summary: summary(meanNll) });
  const chosen = chooseEvaluations([at(300, 0.9), at(100, 0.8), at(200, 0.5)]);
  assert.ok(!('refused' in chosen));
  assert.deepEqual([chosen.from.step, chosen.to.step], [200, 300]);
  assert.match(chosen.how, /least-loss evaluation \(step 200/);
  const falling = chooseEvaluations([at(100, 0.9), at(200, 0.5)]);
  assert.ok(!('refused' in falling) && falling.from.step === 100 && /latest has the least loss/.test(falling.how));
  const asked = chooseEvaluations([at(100, 0.9), at(200, 0.5), at(300, 0.7)], { from: 300, to: 100 });
  assert.ok(!('refused' in asked) && asked.from.step === 300 && asked.to.step === 100);
  const unknown = chooseEvaluations([at(100, 0.9), at(200, 0.5)], { from: 100, to: 150 });
  assert.ok('refused' in unknown && /Step 150 has no settled evaluation outputs \(steps: 100, 200\)/.test(unknown.refused));
  assert.ok('refused' in chooseEvaluations([at(100, 0.9)]));
});

test('the report lists the top N with decoded text, or null text without a decoder, and the text report prints at most ten', () => {
  const evaluations = [
    { ...before, summary: summary(0.45) },
    { ...after, summary: summary(0.725) },
  ];
  const plain = tokensReport(evaluations, { listed: 2 });
  assert.ok(!('refused' in plain));
  assert.deepEqual(
    plain.list.map((entry) => [entry.id, entry.text]),
    [
      [7, null],
      [5, null],
    ],
  );
  assert.deepEqual([plain.fromStep, plain.toStep, plain.distinctTokens, plain.listed], [100, 200, 3, 2]);
  const decoded = tokensReport(evaluations, {}, { decode: (ids) => ids.map((id) => `<${id}>`).join('') });
  assert.ok(!('refused' in decoded));
  assert.deepEqual(
    decoded.list.map((entry) => entry.text),
    ['<7>', '<5>', '<9>'],
  );
  const lines = tokensReportLines(decoded);
  assert.match(lines[0] ?? '', /step 100 → 200 .* 4 positions, total NLL change 1\.1000 nats/);
  assert.match(lines[1] ?? '', /"<7>" #7 ×1: share 90\.9%, NLL 1\.000 → 2\.000, accuracy 0\.0% → 0\.0%, over-confident errors 0 → 1/);
});
