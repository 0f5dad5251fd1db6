import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divergence, instability, lossSpikes, nonFiniteValues } from '../../src/core/analysis/instability';
import { seriesOf } from './warningFixtures';
import { mad, median } from '../../src/core/analysis/statistics';

const key = 'loss';
const healthy = seriesOf(200, (k) => 2 * Math.exp(-k / 60) + 0.8, 11, 0.05);

test('(d) non-finite values in loss, eval loss or grad norm: high confidence, from the first one', () => {
  const trainLoss = { key, series: { steps: [10, 20, 30, 40], values: [2, 1.9, Number.NaN, Number.NaN] } };
  const gradNorm = { key: 'grad_norm', series: { steps: [10, 20, 30], values: [1, Number.POSITIVE_INFINITY, 1] } };
  const warning = nonFiniteValues({ trainLoss, gradNorm });
  assert.equal(warning?.form, 'non-finite');
  assert.equal(warning?.confidence, 'high');
  assert.equal(warning?.startStep, 20);
  assert.equal(warning?.step, 40);
  assert.equal(warning?.evidence['lossNonFiniteCount'], 2);
  assert.match(warning?.message ?? '', /loss is NaN at step 30 \(2 logs in all\); grad_norm is infinite at step 20/);
  assert.equal(nonFiniteValues({ trainLoss: { key, series: healthy } }), undefined);
});

test('(d) a spike: ≥ 1.5× the trailing median and ≥ 6 robust deviations', () => {
  const values = [...healthy.values];
  values[150] = 3 * (values[149] as number);
  const warning = lossSpikes({ key, series: { steps: healthy.steps, values } });
  assert.equal(warning?.form, 'spike');
  assert.equal(warning?.startStep, 1510);
  assert.equal(warning?.evidence['spikes'], 1);
  assert.match(warning?.message ?? '', /^The train loss \(loss\) spiked once, worst at step 1510/);
});

test('(d) no spike on a healthy noisy curve, nor on a jump that is large in deviations but under 1.5×', () => {
  assert.equal(lossSpikes({ key, series: healthy }), undefined);
  const values = [...healthy.values];
  values[150] = 1.4 * (values[149] as number);
  assert.equal(lossSpikes({ key, series: { steps: healthy.steps, values } }), undefined, 'under 1.5× the median');
  const quiet = seriesOf(60, () => 1, 3, 0.001);
  const bumped = quiet.values.map((value, i) => (i === 40 ? 1.2 : value));
  assert.equal(lossSpikes({ key, series: { steps: quiet.steps, values: bumped } }), undefined, 'many deviations but only 1.2×');
});

test('(d) divergence: the smoothed loss climbs back above 1.5× its minimum and keeps rising', () => {
  const series = seriesOf(120, (k) => (k < 60 ? 2 - 0.02 * k : 0.8 + 0.03 * (k - 60)), 5, 0.02);
  const warning = divergence({ key, series });
  assert.equal(warning?.form, 'divergence');
  assert.equal(warning?.confidence, 'high');
  assert.ok((warning?.evidence['logsAboveMinimum'] ?? 0) >= 20);
  assert.ok((warning?.evidence['trendP'] ?? 1) <= 0.01);
  assert.ok((warning?.startStep ?? 0) > 600 && (warning?.startStep ?? 0) < 900, `starts at ${warning?.startStep}`);
  assert.match(warning?.message ?? '', /Training is diverging: the smoothed train loss \(loss\) has stayed above 1\.5× its earlier minimum/);
});

test('(d) divergence above the initial loss, and none on a healthy or a settled run', () => {
  const climbing = seriesOf(40, (k) => 2 + 0.05 * k, 5, 0.02);
  assert.match(divergence({ key, series: climbing })?.message ?? '', /is back above where it started/);
  assert.equal(divergence({ key, series: healthy }), undefined);
  // Up 1.6× and then flat: not rising any more, so not diverging now.
  const settled = seriesOf(120, (k) => (k < 40 ? 1 : k < 60 ? 1 + 0.03 * (k - 40) : 1.6), 5, 0.02);
  assert.equal(divergence({ key, series: settled }), undefined);
});

test('(d) eval loss rising while train loss falls is never divergence', () => {
  const evalLoss = { key: 'eval_loss', series: seriesOf(40, (k) => 1 + 0.05 * k, 2, 0.01, 100) };
  assert.deepEqual(instability({ trainLoss: { key, series: healthy }, evalLoss }), []);
});

/** The spikes by the rule's definition, each window sorted anew: the reference the sliding window must match. */
function referenceSpikes(values: readonly number[]): { count: number; first: number; worstRatio: number } {
  const found: number[] = [];
  let worstRatio = 0;
  for (let t = 10; t < values.length; t++) {
    const window = values.slice(Math.max(0, t - 20), t);
    const center = median(window);
    const spread = 1.4826 * mad(window);
    const value = values[t] as number;
    const score = spread > 0 ? (value - center) / spread : value > center ? Number.POSITIVE_INFINITY : 0;
    if (center > 0 && value >= 1.5 * center && score >= 6) {
      found.push(t);
      worstRatio = Math.max(worstRatio, value / center);
    }
  }
  return { count: found.length, first: found[0] ?? -1, worstRatio };
}

test('(d) spikes found with a sliding window are those of the definition, ties and plateaus included', () => {
  let state = 7;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
  // Rounded to two digits so that windows hold ties; a spike every 37 logs and flat stretches of one value.
  const values = Array.from({ length: 3000 }, (_, i) => (i % 37 === 36 ? 6 : i % 500 < 60 ? 1 : Math.round((1 + next()) * 100) / 100));
  const steps = values.map((_, i) => i + 1);
  const reference = referenceSpikes(values);
  assert.ok(reference.count > 50, `only ${reference.count} spikes in the test series`);
  const warning = lossSpikes({ key, series: { steps, values } });
  assert.equal(warning?.evidence['spikes'], reference.count);
  assert.equal(warning?.startStep, reference.first + 1);
  assert.equal((warning?.evidence['worstSpikeValue'] ?? 0) / (warning?.evidence['worstSpikeMedian'] ?? 1), reference.worstRatio);
});

test('(d) a run that logs every step (300,000 train logs) is checked for spikes in well under a second', () => {
  const values = Array.from({ length: 300_000 }, (_, i) => 2 + 0.01 * Math.sin(i));
  const steps = values.map((_, i) => i + 1);
  const started = performance.now();
  assert.equal(lossSpikes({ key, series: { steps, values } }), undefined);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 800, `took ${elapsed.toFixed(0)} ms`);
});
