import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCalibrationView, type CalibrationInput } from '../../src/core/tokens/calibrationView';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import {
  calibrationRunId,
  confidenceAndAccuracy,
  nllSplitBars,
  pairedTestText,
  rawAndScaledLoss,
  reliabilityAt,
  scaledLossLabel,
} from '../../webview/calibrationData';

function summary(accuracy: number, nllCorrect: number, nllWrong: number, confidence: number): TokenSummary {
  const reliability = Array.from({ length: 15 }, (_, b) => ({
    lower: b / 15,
    upper: (b + 1) / 15,
    count: b === 14 ? 10 : 0,
    confidence: b === 14 ? confidence : NaN,
    accuracy: b === 14 ? accuracy : NaN,
  }));
  return {
    tokens: 10,
    correct: accuracy * 10,
    accuracy,
    probabilities: {
      meanNll: accuracy * nllCorrect + (1 - accuracy) * nllWrong,
      medianNll: 0.1,
      nllCorrect,
      nllWrong,
      wrongConfidenceTerm: 0,
      wrongGapTerm: 0,
      meanConfidence: confidence,
      ece: Math.abs(confidence - accuracy),
      eceEqualMass: 0,
      maxCalibrationError: 0,
      brierTopLabel: 0,
      worstPercentNllShare: 0,
      reliability,
    },
    logits: {
      meanEntropy: 1,
      top5Accuracy: 1,
      brier: 0.4,
      meanLabelRank: 2.5,
      temperature: { temperature: 1.5, nll: 0.5, method: 'exact', passes: 3, rows: 1500, atSearchEdge: false },
    },
  };
}

const bits = (right: number): Uint8Array => Uint8Array.from({ length: 10 }, (_, i) => (i < right ? 1 : 0));
const inputs: CalibrationInput[] = [
  { step: 300, alignment: 'logits; shifted', summary: summary(0.8, 0.1, 6, 0.97), correctness: bits(8) },
  { step: 100, alignment: 'logits; shifted', summary: summary(0.5, 0.5, 1.5, 0.6), correctness: bits(5) },
  { step: 200, alignment: 'logits; shifted', summary: summary(0.6, 0.3, 2, 0.8), correctness: bits(6) },
];

test('the calibration view: splits and the paired test are against the least-loss evaluation', () => {
  const view = buildCalibrationView('/run', inputs);
  assert.deepEqual(
    view.points.map((point) => point.step),
    [100, 200, 300],
  );
  // Mean NLL: 1.0 at 100, 0.98 at 200, 1.28 at 300, so step 200 is the least.
  assert.equal(view.bestLossStep, 200);
  assert.equal(view.points[1]?.split, null);
  const split = view.points[2]?.split;
  assert.ok(split !== null && split !== undefined);
  assert.ok(Math.abs(split.change - (1.28 - 0.98)) < 1e-12);
  assert.ok(Math.abs(split.wrongTokens - 0.3 * 4) < 1e-12, '(1 − ā)·ΔW with ā = 0.7, ΔW = 4');
  assert.deepEqual(view.paired, {
    fromStep: 200,
    toStep: 300,
    onlyFirst: 0,
    onlySecond: 2,
    pValue: 0.5,
    method: 'exact-mcnemar',
    sequences: null,
    tokens: 10,
    confirmsMisleadingLoss: false,
  });
  assert.deepEqual(view.alignments, ['logits; shifted']);
  assert.equal(view.points[0]?.reliability[0]?.accuracy, null, 'an empty bin has no accuracy (JSON has no NaN)');
});

test('chart shaping for the calibration section', () => {
  const view = buildCalibrationView('/run', inputs);
  assert.deepEqual(
    confidenceAndAccuracy(view).accuracy.map((point) => point.y),
    [50, 60, 80],
  );
  assert.deepEqual(
    confidenceAndAccuracy(view).confidence.map((point) => point.y),
    [60, 80, 97],
  );
  assert.deepEqual(rawAndScaledLoss(view).scaled, [
    { x: 100, y: 0.5 },
    { x: 200, y: 0.5 },
    { x: 300, y: 0.5 },
  ]);
  const bars = reliabilityAt(view, 300);
  assert.equal(bars?.labels[14], '93–100%');
  assert.equal(bars?.accuracy[14], 80);
  assert.ok(Math.abs((bars?.ideal[14] ?? 0) - 14.5 / 0.15) < 1e-9);
  assert.equal(reliabilityAt(view, 999), null);
  const split = nllSplitBars(view);
  assert.deepEqual(split.labels, ['100', '300']);
  assert.ok(Math.abs((split.wrongTokens[1] ?? 0) + (split.correctTokens[1] ?? 0) + (split.accuracyChange[1] ?? 0) - (split.total[1] ?? 0)) < 1e-12);
  assert.match(pairedTestText(view), /step 200 \(least loss\) against step 300: 2 tokens became right, 0 became wrong \(more tokens right\), p = 0\.50/);
  const many = (right: number): Uint8Array => Uint8Array.from({ length: 100 }, (_, i) => (i < right ? 1 : 0));
  const confirmed = buildCalibrationView('/run', [
    { ...inputs[2], correctness: many(60) } as CalibrationInput,
    { ...inputs[0], correctness: many(80) } as CalibrationInput,
  ]);
  assert.equal(confirmed.paired?.confirmsMisleadingLoss, true, '20 more tokens right (p = 2^-19) and the rise all on wrong tokens');
  assert.match(pairedTestText(confirmed), /Misleading loss confirmed/);
  const runs = [
    { id: 'a', keys: ['eval_loss'] },
    { id: 'b', keys: ['eval_token_accuracy_computed'] },
    { id: 'c', keys: ['eval_token_accuracy_computed'] },
  ];
  assert.equal(calibrationRunId(runs, 'c'), 'c');
  assert.equal(calibrationRunId(runs, 'a'), 'b');
  assert.equal(calibrationRunId(runs.slice(0, 1), null), null);
});

test('the view and the exported statistics carry the full Brier score, the label rank, the MCE and how the temperature was fitted', async () => {
  const { exportedStatistics, NEEDS_LOGITS } = await import('../../src/core/tokens/tokenStatistics');
  const { pointStatisticsText } = await import('../../src/core/tokens/calibrationView');
  const withLogits = summary(0.8, 0.1, 6, 0.97);
  const compactSummary: TokenSummary = {
    tokens: withLogits.tokens,
    correct: withLogits.correct,
    accuracy: withLogits.accuracy,
    ...(withLogits.probabilities === undefined ? {} : { probabilities: withLogits.probabilities }),
  };
  const view = buildCalibrationView('/run', [
    { step: 100, alignment: 'logits; shifted', summary: withLogits, correctness: bits(8) },
    { step: 200, alignment: 'compact; shifted', summary: compactSummary, correctness: bits(8) },
  ]);
  const [logitsPoint, compactPoint] = view.points;
  assert.ok(logitsPoint !== undefined && compactPoint !== undefined);
  assert.equal(logitsPoint.brier, 0.4);
  assert.equal(logitsPoint.meanLabelRank, 2.5);
  assert.equal(logitsPoint.maxCalibrationError, 0);
  assert.match(
    logitsPoint.temperatureFit ?? '',
    /^exact to 1e-6 in T: Newton's method on 1\/T with the exact NLL of all 1500 tokens, 3 more streamed passes over the logits$/,
  );
  assert.match(
    pointStatisticsText(logitsPoint),
    /full Brier score 0\.4000 .*mean label rank 2\.50 \(1 = the argmax; tied logits share their ranks\); temperature 1\.500000, exact to 1e-6/,
  );
  assert.equal(compactPoint.brier, NEEDS_LOGITS);
  assert.equal(compactPoint.meanLabelRank, NEEDS_LOGITS);
  assert.match(pointStatisticsText(compactPoint), /full Brier score and label rank not available: needs logits; temperature not available: needs logits\.$/);
  const exported = exportedStatistics(withLogits);
  assert.equal(exported.brier, 0.4);
  assert.equal(exported.meanLabelRank, 2.5);
  assert.deepEqual(exported.temperature, {
    value: 1.5,
    scaledNll: 0.5,
    method: 'exact',
    passes: 3,
    rows: 1500,
    atSearchEdge: false,
    how: logitsPoint.temperatureFit,
  });
  assert.equal(exportedStatistics(compactSummary).temperature, NEEDS_LOGITS);
  assert.ok(withLogits.logits !== undefined);
  const approximate = exportedStatistics({
    ...withLogits,
    logits: { ...withLogits.logits, temperature: { temperature: 2, nll: 1, method: 'approximate', passes: 0, rows: 8100, atSearchEdge: true } },
  }).temperature;
  assert.ok(typeof approximate === 'object' && approximate !== null);
  assert.equal(approximate.how, 'approximate: from binned logits of 8100 rows; the optimum is at or beyond the end of the grid, [0.25, 8]');
});

test('the legend names the NLL after the best temperature only when some evaluation has it, and says how many do', () => {
  const raw = [
    { x: 100, y: 1 },
    { x: 200, y: 2 },
  ];
  assert.equal(scaledLossLabel({ raw, scaled: [] }), null, 'before, an entry with no line');
  assert.equal(scaledLossLabel({ raw, scaled: [{ x: 200, y: 1.5 }] }), 'after the best temperature (1 of 2 evaluations)');
  assert.equal(scaledLossLabel({ raw, scaled: raw }), 'after the best temperature');
});
