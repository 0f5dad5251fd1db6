import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunView, MAX_POINTS_PER_SERIES } from '../../src/core/runView';
import { statusText, statusTooltip } from '../../src/core/statusText';
import { downsampleMinMax } from '../../src/core/downsample';
import { RunStore } from '../../src/core/runStore';
import { fixtureStore } from '../fixtures/runs';

test('a run view carries the role series, the latest accuracy with its trend, and the warnings', () => {
  const run = fixtureStore().snapshot('/ws/sft-run');
  assert.ok(run);
  const view = buildRunView(run, 'sft-run');
  assert.equal(view.evalLoss?.key, 'eval_loss');
  assert.equal(view.evalAccuracy?.steps.length, 10);
  assert.equal(view.latest?.step, 1000);
  assert.ok((view.latest?.accuracy ?? 0) > (view.latest?.previousAccuracy ?? 1));
  assert.equal(view.best.byLoss?.step, 300);
  assert.deepEqual(view.warnings.map((w) => w.kind).sort(), ['checkpoint-disagreement', 'misleading-loss']);
  assert.match(view.accuracyDefinition ?? '', /TRL/);
});

test('NaN crosses to the webview as null', () => {
  const store = new RunStore();
  store.addPoints('/r', { path: '/r/a.jsonl', format: 'jsonl' }, [
    { key: 'eval_loss', step: 1, value: Number.NaN },
    { key: 'eval_loss', step: 2, value: 1 },
  ]);
  const view = buildRunView(store.snapshot('/r') ?? assert.fail(), 'r');
  assert.deepEqual(view.evalLoss?.values, [null, 1]);
  assert.equal(view.latest, null, 'no accuracy, no latest');
});

test('status bar text and tooltip say accuracy, trend, loss, both best steps and the warning', () => {
  const store = fixtureStore();
  const view = buildRunView(store.snapshot('/ws/sft-run') ?? assert.fail(), 'sft-run');
  const healthy = buildRunView(store.snapshot('/ws/healthy') ?? assert.fail(), 'healthy');
  assert.equal(statusText(view), 'Token acc 50.9% ↑');
  const tooltip = statusTooltip(view, [view, healthy]);
  assert.match(tooltip, /Eval token accuracy \(step 1000\) \| 50\.9% ↑/);
  assert.match(tooltip, /Eval loss \| 4\.4500/);
  assert.match(tooltip, /Best by loss \| step 300/);
  assert.match(tooltip, /Best by accuracy \| step 1000/);
  assert.match(tooltip, /misleading-loss\*\* \(high confidence\)/);
  assert.equal(statusText(undefined), 'Token acc: –');
  assert.match(statusTooltip(undefined, []), /No training logs found/);
  assert.match(statusTooltip(healthy, [view, healthy]), /Also warned: sft\\-run/, 'a warning on another run is not hidden');
});

test('downsampling keeps spikes, NaNs and the last point within the budget', () => {
  const n = 100_000;
  const steps = Array.from({ length: n }, (_, i) => i);
  const values = steps.map((i) => (i === 54_321 ? 50 : i === 77_777 ? Number.NaN : Math.sin(i / 1000)));
  const reduced = downsampleMinMax({ steps, values }, MAX_POINTS_PER_SERIES);
  assert.ok(reduced.steps.length <= MAX_POINTS_PER_SERIES + 2, `${reduced.steps.length} points`);
  assert.ok(reduced.steps.includes(54_321), 'the spike survives');
  assert.ok(reduced.steps.includes(77_777), 'the NaN survives');
  assert.equal(reduced.steps[reduced.steps.length - 1], n - 1);
  assert.deepEqual(
    [...reduced.steps].sort((a, b) => a - b),
    reduced.steps,
  );
});
