import { test } from 'node:test';
import assert from 'node:assert/strict';
import { misleadingLoss } from '../../src/core/analysis/misleadingLoss';
import { overfitting } from '../../src/core/analysis/overfitting';
import { plateau } from '../../src/core/analysis/plateau';
import { checkpointDisagreement } from '../../src/core/analysis/checkpointDisagreement';
import { analyzeRun } from '../../src/core/analysis/runAnalysis';
import { accuracyScaleOf } from '../../src/core/analysis/accuracyMeasure';
import { wrongTokenShareText } from '../../src/core/analysis/lossRiseShare';
import { buildRunView } from '../../src/core/runView';
import { buildRunReport } from '../../src/core/report';
import { formatText } from '../../src/core/reportText';
import { statusText, statusTooltip } from '../../src/core/statusText';
import { trainerStateFindings } from '../../src/core/trainerStateFindings';
import { locateTrainerState } from '../../src/core/jsonLocator';
import { RunStore, type RunSnapshot } from '../../src/core/runStore';
import type { MetricPoint } from '../../src/core/types';
import { buildChartModel } from '../../webview/chartData';
import { defaultUiState } from '../../webview/uiState';
import { evalPoints, seriesOf, tokenAccuracy, valley } from './warningFixtures';

const steps = Array.from({ length: 12 }, (_, k) => (k + 1) * 100);
const valleyLoss = steps.map((_, k) => valley(3)(k));

/** A run from named series that share the eval steps. */
function runOf(series: Readonly<Record<string, readonly number[]>>, at: readonly number[] = steps): RunSnapshot {
  const points: MetricPoint[] = Object.entries(series).flatMap(([key, values]) => values.map((value, i) => ({ key, step: at[i] as number, value })));
  const store = new RunStore();
  store.addPoints('/runs/trap', { path: '/runs/trap/metrics.jsonl', format: 'jsonl' }, points);
  return store.snapshot('/runs/trap') ?? assert.fail('run stored');
}

test('(a) holding beside a small fall says "no significant fall, within ±x points", never "has not fallen"', () => {
  // The accuracy at the loss minimum is 48.0%, the later evaluations average 47.8%: a fall, within noise.
  const accuracy = [0.4, 0.44, 0.46, 0.481, 0.479, 0.476, 0.481, 0.477, 0.48, 0.476, 0.479, 0.477];
  const warning = misleadingLoss(evalPoints(steps, valleyLoss, accuracy));
  assert.equal(warning?.form, 'holding');
  assert.doesNotMatch(warning?.message ?? '', /has not fallen/);
  assert.match(
    warning?.message ?? '',
    /token accuracy shows no significant fall: 48\.0% \(mean of steps 400–500\) → 47\.8% \(mean of the last 4 evaluations\), −0\.2 points, within ±0\.4 points/,
  );
});

test('(a) holding with a gain past the floor but no significant trend does not call the gain "within" the floor', () => {
  const accuracy = [0.4, 0.44, 0.46, 0.47, 0.47, 0.48, 0.48, 0.48, 0.478, 0.478, 0.478, 0.478];
  const warning = misleadingLoss(evalPoints(steps, valleyLoss, accuracy));
  assert.equal(warning?.form, 'holding');
  assert.match(
    warning?.message ?? '',
    /47\.0% \(mean of steps 400–500\) → 47\.8% \(mean of the last 4 evaluations\), \+0\.8 points, beyond the ±0\.3 points floor but with no significant trend \(Mann–Kendall p = [\d.]+ for a rise\)\./,
  );
  assert.doesNotMatch(warning?.message ?? '', /within ±/);
});

test('(a) calls the rise calibration only when the temperature-scaled NLL of evaluation outputs did not rise', () => {
  const accuracy = steps.map(() => 0.48);
  const withScaled = (before: number, after: number): string => {
    const run = runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: accuracy });
    const scaled = { steps: [400, 1200], values: [before, after] };
    const metrics = new Map([...run.metrics, ['eval_nll_temperature_scaled_computed', scaled]]);
    return analyzeRun({ ...run, metrics }).warnings.find((warning) => warning.kind === 'misleading-loss')?.message ?? '';
  };
  const rose = withScaled(2, 2.054);
  assert.doesNotMatch(rose, /calibration, not worse predictions/, 'the scaled NLL rose 2.7%: the rise is not calibration alone');
  assert.match(rose, /temperature-scaled NLL of the evaluation outputs rose too \(2\.000 → 2\.054, \+2\.7%\), so not all of the rise is calibration/);
  assert.match(withScaled(2, 1.98), /did not rise \(2\.000 → 1\.980\): the rise is calibration, not worse predictions\./);
  const without = analyzeRun(runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: accuracy })).warnings.find(
    (warning) => warning.kind === 'misleading-loss',
  );
  assert.doesNotMatch(without?.message ?? '', /calibration, not worse/, 'no outputs, no claim');
});

test('the wrong-token share of a loss rise is never shown above 100%: a term larger than the rise is said as such', () => {
  const over = wrongTokenShareText(1.26, 1);
  assert.doesNotMatch(over, /100%/);
  assert.match(over, /add \+1\.260 nats, more than the whole rise of \+1\.000 \(126% of it: the other terms of the split lower it by 0\.260\)/);
  assert.equal(wrongTokenShareText(0.6, 1), '60% of the loss rise (+0.600 of +1.000 nats) is on tokens the model gets wrong');
});

test('(b) the loss rise and GL are different percentages, and each says what it compares', () => {
  const warning = overfitting(
    evalPoints(
      steps,
      valleyLoss,
      steps.map((_, k) => 0.5 - 0.008 * Math.max(0, k - 3)),
    ),
  );
  const rise = warning?.evidence['lossRisePercent'];
  const gl = Math.round(warning?.evidence['generalizationLoss'] ?? Number.NaN);
  assert.notEqual(rise, gl, 'the fixture has the two differ, as in the report of up 39% and GL = 57');
  assert.match(
    warning?.message ?? '',
    new RegExp(
      `is up ${rise}% from its minimum at step 400 \\(the median of the last 4 evaluations against that minimum; the last evaluation alone is ${gl}% above it, Prechelt's generalization loss GL = ${gl}\\)`,
    ),
  );
});

test('(c) a steady linear rise is no plateau, however few points it moves over the window', () => {
  // 0.025 points an eval: 0.18 points over the 8-eval window, under ε = 0.3, but rising at every eval.
  const rising = tokenAccuracy(seriesOf(24, (k) => 0.5 + 0.00025 * k, 9, 0.00002, 100));
  assert.equal(plateau(undefined, rising), undefined);
  const flat = tokenAccuracy(seriesOf(24, () => 0.5, 9, 0.0004, 100));
  assert.equal(plateau(undefined, flat)?.form, 'accuracy-plateau', 'noise without a trend is still a plateau');
});

test('fewer than 8 evaluations give low confidence at most: (a) from 7, (e) from 5', () => {
  const seven = evalPoints([100, 200, 300, 400, 500, 600, 700], [2.4, 2.1, 2, 2.1, 2.3, 2.6, 3], [0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46]);
  const rising = misleadingLoss(seven);
  assert.equal(rising?.form, 'rising');
  assert.equal(rising?.confidence, 'low');
  const five = evalPoints([100, 200, 300, 400, 500], [2.2, 2, 2.1, 2.2, 2.3], [0.4, 0.41, 0.42, 0.45, 0.47]);
  const disagreement = checkpointDisagreement(five);
  assert.equal(disagreement?.kind, 'checkpoint-disagreement');
  assert.equal(disagreement?.confidence, 'low');
  const fiveNoisy = runOf({ eval_loss: [2.2, 2, 2.1, 2.2, 2.3], eval_mean_token_accuracy: [0.4, 0.41, 0.42, 0.45, 0.47] }, [100, 200, 300, 400, 500]);
  const view = buildRunView(fiveNoisy, 'five');
  assert.ok(view.warnings.length > 0);
  assert.ok(
    view.warnings.every((warning) => warning.confidence === 'low'),
    'nothing from 5 evaluations colours the status bar or goes inline',
  );
});

test('a generic accuracy is called accuracy, never token accuracy, in the rules, the status bar and the hover', () => {
  const run = runOf({ eval_loss: valleyLoss, eval_accuracy: steps.map((_, k) => 0.4 + 0.01 * k) });
  const view = buildRunView(run, 'generic');
  assert.ok(view.warnings.length > 0);
  for (const warning of view.warnings) assert.doesNotMatch(warning.message, /token accuracy/i, warning.message);
  assert.match(statusText(view), /^Acc 51\.0% ↑$/);
  assert.match(statusTooltip(view, [view]), /\| Eval accuracy \(step 1200\) \| 51\.0% ↑ \|/);
  const tokens = buildRunView(runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: steps.map((_, k) => 0.4 + 0.01 * k) }), 'tokens');
  assert.match(statusText(tokens), /^Token acc 51\.0% ↑$/);
  assert.ok(tokens.warnings.some((warning) => /token accuracy/.test(warning.message)));
});

test('a series is in percent once any value exceeds 1, decided once and used by the analysis and every view', () => {
  assert.equal(accuracyScaleOf([0.2, 0.9, 1]), 'fraction');
  assert.equal(accuracyScaleOf([0.6, 0.9, 1.2, 1.4]), 'percent', 'a percent log below 1.5 is still percent');
  assert.equal(accuracyScaleOf([Number.NaN, 0.5]), 'fraction');
  // Accuracy logged in percent, staying near 1%: rising 0.04 points an eval while the loss turns up.
  const percentLow = steps.map((_, k) => 0.9 + 0.04 * k);
  const run = runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: percentLow });
  const view = buildRunView(run, 'percent');
  assert.deepEqual(view.accuracyMeasure, { scale: 'percent', perToken: true });
  assert.equal(statusText(view), 'Token acc 1.3% ↑', 'the latest value 1.34 is 1.3%, not 134.0%');
  assert.match(statusTooltip(view, [view]), /acc 1\.0%\) \|/);
  const rising = view.warnings.find((warning) => warning.kind === 'misleading-loss');
  assert.match(rising?.message ?? '', /\+0\.\d points/, 'points of a percent log are not multiplied by 100');
  assert.doesNotMatch(rising?.message ?? '', /\d{2}\.\d points/);
  const report = buildRunReport(run);
  assert.deepEqual(report.accuracyMeasure, { scale: 'percent', perToken: true });
  assert.match(formatText({ runs: [report], problems: [] }), /best by accuracy: step 1200 \(loss [\d.]+, accuracy 1\.3%\)/);
  // A fraction series with one value of 1.2 (a fraction cannot be) is percent throughout, never "120.0%".
  const mixed = buildRunView(runOf({ eval_loss: [2, 1.9, 1.8], eval_accuracy: [0.5, 0.9, 1.2] }, [1, 2, 3]), 'mixed');
  assert.equal(statusText(mixed), 'Acc 1.2% ↑');
});

test('the inline best-checkpoint finding quotes ΔA in points as the analysis scaled it', () => {
  const percent = evalPoints(
    steps,
    valleyLoss.map((value, k) => (k > 6 ? 2.6 + 0.01 * k : value)),
    steps.map((_, k) => 40 + 0.9 * k),
  );
  const warning = checkpointDisagreement(percent);
  assert.ok(warning);
  const state = JSON.stringify({ best_model_checkpoint: `out/checkpoint-${warning.evidence['lossStep']}`, best_metric: null, log_history: [] }, null, 2);
  const layout = locateTrainerState(state) ?? assert.fail('located');
  const [finding] = trainerStateFindings(layout, [warning], { evalLoss: 'eval_loss', trainLoss: null, accuracy: percent.measure });
  assert.match(finding?.message ?? '', /the best by token accuracy is step 1200 \(\d\.\d points higher\)/);
});

test("TRL's logged token accuracy and the computed one: where they differ, the views say why", () => {
  const run = runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: steps.map(() => 0.483), eval_token_accuracy_computed: steps.map(() => 0.476) });
  const view = buildRunView(run, 'both');
  assert.match(
    view.accuracyNote ?? '',
    /^At step 1200 TRL's eval_mean_token_accuracy is 48\.3% and the token accuracy computed from the evaluation outputs is 47\.6% \(\+0\.7 points\)\. They are different averages: TRL takes the accuracy of each evaluation batch and then the plain mean of the batches/,
  );
  assert.match(statusTooltip(view, [view]), /different averages/);
  const report = buildRunReport(run);
  assert.ok(Math.abs((report.accuracyComparison?.differencePoints ?? 0) - 0.7) < 1e-9);
  assert.match(formatText({ runs: [report], problems: [] }), /different averages/);
  const same = buildRunView(
    runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: steps.map(() => 0.4831), eval_token_accuracy_computed: steps.map(() => 0.4829) }),
    'same',
  );
  assert.equal(same.accuracyNote, null, 'equal to the 0.1 points shown: nothing to explain');
});

test('the panel charts a percent log near 1% with the run’s one scale decision, not ×100 per value', () => {
  const view = buildRunView(runOf({ eval_loss: valleyLoss, eval_mean_token_accuracy: steps.map((_, k) => 0.9 + 0.04 * k) }), 'percent');
  const model = buildChartModel([view], defaultUiState(0), { [view.id]: 0 });
  const line = model.accuracy.find((candidate) => !candidate.raw);
  assert.deepEqual(
    line?.points.map((point) => point.y),
    steps.map((_, k) => 0.9 + 0.04 * k),
  );
});
