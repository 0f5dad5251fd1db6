import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunView } from '../../src/core/runView';
import { buildChartModel, pointCount } from '../../webview/chartData';
import { restoreUiState } from '../../webview/uiState';
import { fixtureStore } from '../fixtures/runs';

const store = fixtureStore();
const runs = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id));

test('each series gets a faint raw line behind its smoothed line; accuracy is shown in percent', () => {
  const model = buildChartModel(runs, { smoothing: 0.6, hiddenRunIds: [], showTrainLoss: true });
  assert.equal(model.loss.length, 8, 'two runs × (eval + train) × (raw + smoothed)');
  assert.equal(model.accuracy.length, 4);
  const raw = model.accuracy.find((line) => line.raw && line.runId === '/ws/sft-run');
  assert.ok(Math.abs((raw?.points[0]?.y ?? 0) - 40) < 1e-9);
  assert.equal(pointCount(model.accuracy), 18);
});

test('without smoothing only raw values are drawn, and hidden runs and train loss drop out', () => {
  const model = buildChartModel(runs, { smoothing: 0, hiddenRunIds: ['/ws/healthy'], showTrainLoss: false });
  assert.equal(model.loss.length, 1);
  assert.equal(model.loss[0]?.raw, false);
  assert.equal(model.loss[0]?.points[0]?.y, runs.find((r) => r.id === '/ws/sft-run')?.evalLoss?.values[0]);
});

test('colours follow a run’s place among all runs, so hiding one does not recolour the others', () => {
  const all = buildChartModel(runs, { smoothing: 0, hiddenRunIds: [], showTrainLoss: false });
  const some = buildChartModel(runs, { smoothing: 0, hiddenRunIds: ['/ws/healthy'], showTrainLoss: false });
  assert.equal(all.loss.find((line) => line.runId === '/ws/sft-run')?.colorIndex, some.loss[0]?.colorIndex);
});

test('the misleading stretch and both best checkpoints are marked', () => {
  const model = buildChartModel(runs, { smoothing: 0.6, hiddenRunIds: [], showTrainLoss: true });
  assert.deepEqual(model.regions.map((r) => [r.from, r.to]), [[300, 1000]]);
  assert.deepEqual(model.markers.map((m) => [m.kind, m.step]), [['best-loss', 300], ['best-accuracy', 1000]]);
});

test('restored UI state is validated', () => {
  assert.deepEqual(restoreUiState({ smoothing: 5, hiddenRunIds: ['a', 3], showTrainLoss: 'yes' }, 0.6), { smoothing: 0.6, hiddenRunIds: ['a'], showTrainLoss: true });
  assert.deepEqual(restoreUiState(undefined, 0.3), { smoothing: 0.3, hiddenRunIds: [], showTrainLoss: true });
});
