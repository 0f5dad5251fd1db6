import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { coarseView, FIRST_DRAW_POINTS_PER_SERIES, viewPoints } from '../../src/core/firstDraw';

function longRun() {
  const store = new RunStore();
  const points = [];
  for (let step = 1; step <= 20_000; step++) {
    points.push({ key: 'loss', step, value: step === 12_345 ? Number.NaN : step === 7_000 ? 50 : 2 / Math.log(step + 2), epoch: step / 1000 });
    if (step % 4 === 0) points.push({ key: 'eval_loss', step, value: 1 + step / 1e5 }, { key: 'eval_accuracy', step, value: 0.4 + step / 1e5 });
  }
  store.addPoints('/r', { path: '/r/m.jsonl', format: 'jsonl' }, points);
  return buildRunView(store.snapshot('/r') ?? assert.fail(), 'r');
}

test('a first draw gets every series cut to a few points, spikes and NaN kept, the rest of the view as it is', () => {
  const view = longRun();
  const coarse = coarseView(view);
  for (const [full, cut] of [
    [view.trainLoss, coarse.trainLoss],
    [view.evalLoss, coarse.evalLoss],
    [view.evalAccuracy, coarse.evalAccuracy],
    [view.axes.epoch, coarse.axes.epoch],
  ] as const) {
    assert.ok(full !== null && cut !== null);
    assert.ok(cut.steps.length <= FIRST_DRAW_POINTS_PER_SERIES + 1 && cut.steps.length < full.steps.length);
    assert.equal(cut.total, full.total, 'the store’s count stays, so the panel knows there is detail');
    assert.equal(cut.steps.at(-1), full.steps.at(-1), 'the latest point is kept');
  }
  assert.ok(coarse.trainLoss?.values.includes(50), 'a spike survives the cut');
  assert.equal(coarse.trainLoss?.values[coarse.trainLoss.steps.indexOf(12_345)], null, 'a NaN survives as null');
  assert.deepEqual(
    { ...coarse, evalLoss: null, evalAccuracy: null, trainLoss: null, axes: null },
    { ...view, evalLoss: null, evalAccuracy: null, trainLoss: null, axes: null },
  );
  assert.ok(viewPoints([coarse]) < viewPoints([view]));
});
