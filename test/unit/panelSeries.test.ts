import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { downsampleMinMax } from '../../src/core/downsample';
import { RunStore } from '../../src/core/runStore';
import { buildRunView, MAX_POINTS_PER_SERIES } from '../../src/core/runView';
import { isLive, LIVE_WINDOW_MS } from '../../src/core/runStatus';
import { seriesWindow } from '../../src/core/seriesWindow';

const source = { path: '/ws/run/metrics.jsonl', format: 'jsonl' } as const;

test('the store keeps where each step sits in epochs and wall time, and the run view carries them', () => {
  const store = new RunStore();
  store.addPoints('/ws/run', source, [
    { key: 'loss', step: 10, value: 2, epoch: 0.1, wallTime: 1000 },
    { key: 'eval_loss', step: 10, value: 2.1, epoch: 0.1, wallTime: 1000 },
    { key: 'loss', step: 20, value: 1.9, epoch: 0.2, wallTime: 1012 },
  ]);
  const snapshot = store.snapshot('/ws/run') ?? assert.fail();
  assert.deepEqual(snapshot.axes?.epoch, { steps: [10, 20], values: [0.1, 0.2] });
  assert.deepEqual(snapshot.axes?.wallTime.values, [1000, 1012]);
  const view = buildRunView(snapshot, 'run', {}, 5);
  assert.deepEqual(view.axes.wallTime?.steps, [10, 20]);
  assert.deepEqual(view.keys, ['eval_loss', 'loss']);
  assert.equal(view.updatedAt, 5);
  assert.deepEqual(view.sources, [source]);
});

test('a rewritten source that only changes its times still counts as a change', () => {
  const store = new RunStore();
  store.replaceSource('/ws/run', source, [{ key: 'loss', step: 1, value: 2, epoch: 0.5 }]);
  assert.equal(store.replaceSource('/ws/run', source, [{ key: 'loss', step: 1, value: 2, epoch: 0.5 }]), false);
  assert.equal(store.replaceSource('/ws/run', source, [{ key: 'loss', step: 1, value: 2, epoch: 0.6 }]), true);
  assert.deepEqual(store.snapshot('/ws/run')?.axes?.epoch.values, [0.6]);
});

test('a window holds the steps asked for and one point beyond each end', () => {
  const series = { steps: [0, 10, 20, 30, 40, 50], values: [5, 4, 3, 2, 1, 0] };
  assert.deepEqual(seriesWindow(series, 15, 35).steps, [10, 20, 30, 40]);
  assert.deepEqual(seriesWindow(series, 20, 30).steps, [10, 20, 30, 40]);
  assert.deepEqual(seriesWindow(series, -5, 100).steps, series.steps);
  assert.deepEqual(seriesWindow(series, 60, 70).steps, [50]);
});

test('downsampling keeps every bucket’s lowest and highest point, so a single spike survives', () => {
  fc.assert(
    fc.property(fc.integer({ min: 3000, max: 20000 }), fc.integer({ min: 0, max: 19999 }), (n, spikeAt) => {
      const at = spikeAt % n;
      const values = Array.from({ length: n }, (_, i) => Math.sin(i / 50));
      values[at] = 100;
      const reduced = downsampleMinMax({ steps: values.map((_, i) => i), values }, MAX_POINTS_PER_SERIES);
      assert.ok(reduced.steps.length <= MAX_POINTS_PER_SERIES + 1);
      assert.ok(reduced.steps.includes(at));
      assert.equal(Math.min(...reduced.values), Math.min(...values));
    }),
    { numRuns: 40 },
  );
});

test('a run is live while its files were written within the live window', () => {
  assert.equal(isLive(1000, 1000 + LIVE_WINDOW_MS - 1), true);
  assert.equal(isLive(1000, 1000 + LIVE_WINDOW_MS), false);
  assert.equal(isLive(null, 0), false);
});
