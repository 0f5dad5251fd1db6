import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTokensView, tokenContexts } from '../../src/core/tokens/tokenContexts';
import type { TokenRecords } from '../../src/core/tokens/tokenRecords';
import { tokenShift } from '../../src/core/tokens/tokenShift';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import { bucketsText, confidenceShade, rowCells, sortTokenRows, tokenName, type TokenRow } from '../../webview/tokensData';

/** Two sequences of ten tokens each; token 7 sits at positions 3 and 8 of sequence 0 and at position 5 of sequence 1. */
const labels = [1, 2, 3, 7, 4, 5, 6, 8, 7, 9, 10, 11, 12, 13, 14, 7, 15, 16, 17, 18];
function evaluation(
  step: number,
  nll: (i: number) => number,
  right: (i: number) => boolean,
): { step: number; correctness: Uint8Array; records: TokenRecords; summary: TokenSummary } {
  const n = labels.length;
  const correctness = Uint8Array.from({ length: n }, (_, i) => (right(i) ? 1 : 0));
  const meanNll = Array.from({ length: n }, (_, i) => nll(i)).reduce((a, b) => a + b, 0) / n;
  return {
    step,
    correctness,
    records: {
      labels: Int32Array.from(labels),
      sequence: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10)),
      position: Int32Array.from({ length: n }, (_, i) => i % 10),
      nll: Float32Array.from({ length: n }, (_, i) => nll(i)),
      confidence: Float32Array.from({ length: n }, (_, i) => (i % 4) / 4 + 0.2),
    },
    summary: { tokens: n, correct: 0, accuracy: 0, probabilities: { meanNll } } as unknown as TokenSummary,
  };
}
const before = evaluation(
  100,
  () => 1,
  () => true,
);
// Token 7's NLL rises most at index 15 (sequence 1, position 5), then at 8, then at 3; index 8 turns wrong.
const after = evaluation(
  200,
  (i) => (i === 15 ? 4 : i === 8 ? 3 : i === 3 ? 2 : 1),
  (i) => i !== 8,
);

test('contexts of a token: its positions whose NLL rose most, each with the scored tokens of its sequence within the width, marked at both', () => {
  const shift = tokenShift(before, after);
  assert.ok(!('refused' in shift));
  const contexts = tokenContexts(shift, before, after, 7, { decode: (ids) => `t${ids.join(',')}` }, 2, 2);
  assert.deepEqual(
    contexts.map((context) => [context.sequence, context.position]),
    [
      [1, 5],
      [0, 8],
    ],
  );
  const [first, second] = contexts;
  assert.deepEqual(
    first?.tokens.map((token) => [token.id, token.position, token.centre, token.text]),
    [
      [13, 3, false, 't13'],
      [14, 4, false, 't14'],
      [7, 5, true, 't7'],
      [15, 6, false, 't15'],
      [16, 7, false, 't16'],
    ],
  );
  // Position 8 of sequence 0: two before it, one after (the sequence ends at 9; sequence 1 is not mixed in).
  assert.deepEqual(
    second?.tokens.map((token) => token.position),
    [6, 7, 8, 9],
  );
  const centre = second?.tokens.find((token) => token.centre);
  assert.deepEqual([centre?.from.correct, centre?.to.correct], [true, false]);
  assert.ok(Math.abs((centre?.to.confidence ?? NaN) - 0.2) < 1e-6);
});

test('the Tokens view lists the top tokens with their contexts, or says why there is none', () => {
  const view = buildTokensView('run', [before, after], { listed: 2 });
  assert.ok(!('refused' in view));
  assert.deepEqual([view.fromStep, view.toStep, view.rows.length, view.distinctTokens], [100, 200, 2, 18]);
  assert.equal(view.rows[0]?.id, 7);
  assert.equal(view.rows[0]?.contexts.length, 3);
  assert.ok(view.rows[0]?.contexts.every((context) => context.tokens.length <= 13));
  // Every position is below 16: one bucket, with the whole rise (2 + 3 + 4 − 3 = 6 nats).
  assert.equal(
    bucketsText(view.positionBuckets),
    'By position in the sequence: 0–15 (20 positions): share 100.0%, accuracy 100.0% → 95.0%, over-confident errors 0 → 0.',
  );
  const refused = buildTokensView('run', [before]);
  assert.ok('refused' in refused && /One settled evaluation/.test(refused.refused));
});

const row = (id: number, share: number | null, accuracyFrom: number, accuracyTo: number, overFrom: number, overTo: number): TokenRow => ({
  id,
  text: null,
  count: 4,
  accuracyFrom,
  accuracyTo,
  meanNllFrom: 1,
  meanNllTo: 2,
  nllChange: 4,
  share,
  overconfidentFrom: overFrom,
  overconfidentTo: overTo,
  contexts: [],
});

test('the Tokens table sorts by share (the host order), over-confident errors added, or accuracy lost', () => {
  const rows = [row(1, 0.5, 1, 0.9, 0, 0), row(2, 0.3, 1, 0.5, 0, 3), row(3, 0.2, 0.5, 0.5, 1, 2)];
  assert.deepEqual(
    sortTokenRows(rows, 'share').map((r) => r.id),
    [1, 2, 3],
  );
  assert.deepEqual(
    sortTokenRows(rows, 'overconfident').map((r) => r.id),
    [2, 3, 1],
  );
  assert.deepEqual(
    sortTokenRows(rows, 'accuracy').map((r) => r.id),
    [2, 1, 3],
  );
  assert.equal(tokenName({ id: 5, text: null }), '#5');
  assert.equal(tokenName({ id: 5, text: ' the' }), '" the"');
  assert.deepEqual(rowCells(rows[1] as TokenRow), {
    count: '4',
    share: '30.0%',
    nll: '1.000 → 2.000',
    accuracy: '100.0% → 50.0% (-50.0)',
    overconfident: '0 → 3',
  });
  assert.equal(confidenceShade(1), 1);
  assert.equal(confidenceShade(0), 0.25);
  assert.equal(confidenceShade(null), 0.6);
});
