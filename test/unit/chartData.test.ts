import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { buildRunView, type SeriesData } from '../../src/core/runView';
import {
  buildChartModel,
  chooseAnnotatedRuns,
  detailKey,
  MAX_ANNOTATED_RUNS,
  unplacedNoteFor,
  mergeDetail,
  pointCount,
  valuesAt,
  xExtent,
  type LineCache,
} from '../../webview/chartData';
import { visibleCsv } from '../../webview/exportCsv';
import { formatTick } from '../../webview/tickFormat';
import { assignColors, runPalette } from '../../webview/runColors';
import { runMatcher } from '../../webview/runFilter';
import { defaultUiState, restoreUiState, type UiState } from '../../webview/uiState';
import { formatX, xMapping } from '../../webview/xAxis';
import { fixtureStore, misleadingRunPoints } from '../fixtures/runs';

const store = fixtureStore();
const runs = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id));
const colors = assignColors(
  {},
  runs.map((run) => run.id),
  12,
);
const ui = (change: Partial<UiState> = {}): UiState => ({ ...defaultUiState(0.6), ...change });

function timedRun(): ReturnType<typeof buildRunView> {
  const timed = new RunStore();
  timed.addPoints(
    '/ws/timed',
    { path: '/ws/timed/metrics.jsonl', format: 'jsonl' },
    misleadingRunPoints().map((point) => ({ ...point, epoch: point.step / 500, wallTime: 1_760_000_000_000 + point.step * 6000 })),
  );
  return buildRunView(timed.snapshot('/ws/timed') ?? assert.fail(), 'timed');
}

test('each train series gets a faint raw line behind its smoothed line; eval series are drawn raw; accuracy is shown in percent', () => {
  const model = buildChartModel(runs, ui(), colors);
  assert.equal(model.loss.length, 6, 'two runs × (eval + train raw + train smoothed)');
  assert.equal(model.accuracy.length, 2, 'eval accuracy: one raw line per run');
  const accuracy = model.accuracy.find((line) => line.runId === '/ws/sft-run');
  assert.equal(accuracy?.raw, false, 'the raw eval line is the line itself, drawn in full');
  assert.ok(Math.abs((accuracy?.points[0]?.y ?? 0) - 40) < 1e-9);
  assert.equal(pointCount(model.accuracy), 18);
  assert.ok(
    model.loss.filter((line) => line.raw).every((line) => !line.dashed),
    'raw lines are never dashed',
  );
  assert.ok(model.loss.some((line) => !line.raw && line.dashed && line.key === 'loss'));
});

test('smoothing never bends an eval curve: it ends at the last eval and passes through the best-accuracy marker', () => {
  for (const smoothing of [0.6, 0.99]) {
    const model = buildChartModel(runs, ui({ smoothing }), colors);
    for (const run of runs) {
      const values = run.evalAccuracy?.values.filter((value) => value !== null) ?? [];
      const line = model.accuracy.find((item) => item.runId === run.id);
      const last = line?.points.at(-1)?.y ?? Number.NaN;
      assert.ok(Math.abs(last - (values.at(-1) ?? Number.NaN) * 100) < 1e-9, `${run.id} ends at its last eval at smoothing ${smoothing}`);
      const best = model.annotations.accuracy.find((mark) => mark.kind === 'best-accuracy' && mark.runId === run.id);
      if (best?.kind !== 'best-accuracy') assert.fail(`${run.id} has a best-accuracy marker`);
      const at = line?.points.find((point) => point.x === best.x);
      assert.ok(at !== undefined && at.y !== null && Math.abs(at.y - best.y) < 1e-9, `${run.id}: the best marker sits on the line`);
    }
    const train = model.loss.filter((item) => item.key === 'loss' && item.runId === '/ws/sft-run');
    assert.equal(train.length, 2, 'train loss keeps the user’s smoothing, raw line behind');
  }
});

test('without smoothing only raw values are drawn; hidden runs, filtered runs and toggled series drop out', () => {
  const model = buildChartModel(runs, ui({ smoothing: 0, hiddenRunIds: ['/ws/healthy'], showTrainLoss: false }), colors);
  assert.equal(model.loss.length, 1);
  assert.equal(model.loss[0]?.raw, false);
  assert.equal(model.loss[0]?.points[0]?.y, runs.find((r) => r.id === '/ws/sft-run')?.evalLoss?.values[0]);
  assert.deepEqual(buildChartModel(runs, ui({ filter: 'health' }), colors).drawnRunIds, ['/ws/healthy']);
  assert.equal(buildChartModel(runs, ui({ showAccuracy: false }), colors).accuracy.length, 0);
});

test('colours are kept per run: new runs take the least used slot, and hiding or removing a run recolours nobody', () => {
  const first = assignColors({}, ['a', 'b', 'c'], 3);
  assert.deepEqual(first, { a: 0, b: 1, c: 2 });
  const grown = assignColors(first, ['0-new', 'a', 'b', 'c'], 3);
  assert.deepEqual([grown['a'], grown['b'], grown['c']], [0, 1, 2], 'a run sorted before the others does not shift them');
  assert.deepEqual(assignColors({ a: 0, c: 2 }, ['a', 'c', 'd'], 3), { a: 0, c: 2, d: 1 });
  const all = buildChartModel(runs, ui({ smoothing: 0, showTrainLoss: false }), colors);
  const some = buildChartModel(runs, ui({ smoothing: 0, hiddenRunIds: ['/ws/healthy'], showTrainLoss: false }), colors);
  assert.equal(all.loss.find((line) => line.runId === '/ws/sft-run')?.colorIndex, some.loss[0]?.colorIndex);
});

test('the filter is a case-insensitive regular expression, and plain text while it is not a valid one', () => {
  assert.equal(runMatcher('^SFT-.*run$').matches('sft-lr3e-5-run'), true);
  assert.equal(runMatcher('^SFT').matches('base-sft'), false);
  const broken = runMatcher('lr[3');
  assert.equal(broken.regexValid, false);
  assert.equal(broken.matches('run-lr[3e-5]'), true);
  assert.equal(broken.matches('run-lr3'), false);
});

test('the stretch from best by loss to best by accuracy, the warning starts and both best checkpoints are annotated', () => {
  const model = buildChartModel(runs, ui(), colors);
  const gap = model.annotations.loss.find((a) => a.kind === 'best-gap');
  assert.deepEqual(gap !== undefined && gap.kind === 'best-gap' ? [gap.from, gap.to] : [], [300, 1000]);
  const best = model.annotations.accuracy.find((a) => a.kind === 'best-accuracy' && a.runId === '/ws/sft-run');
  assert.deepEqual(best !== undefined && best.kind === 'best-accuracy' ? [best.x, Math.round(best.y * 10) / 10] : [], [1000, 50.9]);
  assert.ok(model.annotations.loss.some((a) => a.kind === 'best-loss' && a.x === 300 && a.y === 2));
  assert.ok(model.annotations.accuracy.some((a) => a.kind === 'warning-start' && a.runId === '/ws/sft-run'));
  const focused = buildChartModel(runs, ui({ focusedRunId: '/ws/healthy' }), colors);
  assert.ok(focused.annotations.loss.every((a) => a.runId === '/ws/healthy'));
  assert.ok(focused.loss.filter((line) => line.runId === '/ws/sft-run').every((line) => line.faded));
});

function misleadingRuns(count: number): ReturnType<typeof buildRunView>[] {
  const many = new RunStore();
  const ids = Array.from({ length: count }, (_, i) => `/ws/run-${i + 1}`);
  for (const id of ids) many.addPoints(id, { path: `${id}/metrics.jsonl`, format: 'jsonl' }, misleadingRunPoints());
  return ids.map((id) => buildRunView(many.snapshot(id) ?? assert.fail(), id.slice('/ws/'.length)));
}

test('a seventh run keeps annotations for the first six and a note names them; a focused run is annotated alone', () => {
  const seven = misleadingRuns(MAX_ANNOTATED_RUNS + 1);
  const sevenColors = assignColors(
    {},
    seven.map((run) => run.id),
    12,
  );
  const model = buildChartModel(seven, ui(), sevenColors);
  const annotatedIds = new Set(model.annotations.loss.map((mark) => mark.runId));
  assert.deepEqual(
    [...annotatedIds],
    seven.slice(0, MAX_ANNOTATED_RUNS).map((run) => run.id),
    'before the fix every annotation disappeared',
  );
  assert.deepEqual(model.annotated.runIds, [...annotatedIds]);
  assert.match(model.annotated.note ?? '', /first 6 of 7 runs \(run-1, run-2, run-3, run-4, run-5 and 1 more\)/);
  assert.match(model.annotated.note ?? '', /click a run's row/);

  const focused = buildChartModel(seven, ui({ focusedRunId: '/ws/run-7' }), sevenColors);
  assert.ok(focused.annotations.loss.length > 0);
  assert.ok(focused.annotations.loss.every((mark) => mark.runId === '/ws/run-7'));
  assert.match(focused.annotated.note ?? '', /run-7 \(focused\)/);

  const few = buildChartModel(seven.slice(0, 3), ui(), sevenColors);
  assert.deepEqual(few.annotated, { runIds: seven.slice(0, 3).map((run) => run.id), note: null }, 'all annotated: nothing to say');
});

test('the choice of annotated runs ignores a focus on a run not drawn, and a single run needs no note', () => {
  const named = (count: number): { id: string; label: string }[] => Array.from({ length: count }, (_, i) => ({ id: `r${i}`, label: `run ${i}` }));
  assert.deepEqual(chooseAnnotatedRuns(named(1), 'r0'), { runIds: ['r0'], note: null });
  assert.deepEqual(chooseAnnotatedRuns(named(8), 'gone').runIds, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  assert.deepEqual(chooseAnnotatedRuns([], null), { runIds: [], note: null });
  const pointed = chooseAnnotatedRuns(named(8), 'r1', 'r7');
  assert.deepEqual(pointed.runIds, ['r1', 'r7'], 'the run pointed at joins the focused one');
  assert.match(pointed.note ?? '', /run 1 \(focused\), run 7 \(pointed at\)/);
  assert.deepEqual(chooseAnnotatedRuns(named(8), null, 'r7').runIds, ['r7']);
  assert.deepEqual(chooseAnnotatedRuns(named(8), 'r7', 'r7').runIds, ['r7'], 'once, when both are the same run');
});

test('runs missing from the chosen axis are named, not only counted', () => {
  assert.equal(unplacedNoteFor([], 'wall time'), null);
  assert.equal(unplacedNoteFor([{ id: 'a', label: 'sft-a' }], 'wall time'), '1 run logs no wall time and is not drawn on this axis: sft-a.');
  assert.equal(
    unplacedNoteFor(
      [
        { id: 'a', label: 'a' },
        { id: 'b', label: 'b' },
      ],
      'epoch',
    ),
    '2 runs log no epoch and are not drawn on this axis: a, b.',
  );
  const model = buildChartModel(runs, ui({ xAxis: 'wall' }), colors);
  assert.match(model.unplacedNote ?? '', /^2 runs log no wall time/);
});

test('x by epoch and by time: steps map through the logged epochs and clock, and back', () => {
  const run = timedRun();
  const epoch = xMapping(run, 'epoch') ?? assert.fail();
  assert.equal(epoch.toX(500), 1);
  assert.equal(epoch.toX(250), 0.5);
  assert.equal(epoch.toStep(1.5), 750);
  const relative = xMapping(run, 'relative') ?? assert.fail();
  assert.equal(relative.toX(25), 0, 'relative time starts at the first logged point');
  assert.equal(relative.toX(1000), (1000 - 25) * 6, 'milliseconds are read as such');
  const wall = xMapping(run, 'wall') ?? assert.fail();
  assert.equal(wall.toX(25), 1_760_000_000 + 150);
  assert.equal(xMapping(runs[0] ?? assert.fail(), 'epoch'), null, 'a run that logs no epochs has no place on that axis');
  const model = buildChartModel([...runs, run], ui({ xAxis: 'epoch' }), { ...colors, '/ws/timed': 2 });
  assert.deepEqual(model.drawnRunIds, ['/ws/timed']);
  assert.deepEqual([...model.unplacedRunIds].sort(), ['/ws/healthy', '/ws/sft-run']);
  assert.equal(formatX(3725, 'relative'), '1:02:05');
  assert.equal(formatX(1.25, 'epoch'), '1.25');
});

test('log scale drops values that a logarithm cannot place', () => {
  const view = { ...(runs[0] ?? assert.fail()), evalLoss: { key: 'eval_loss', steps: [1, 2, 3], values: [1, 0, -2], total: 3 } };
  const model = buildChartModel([view], ui({ smoothing: 0, showTrainLoss: false, logScale: ['loss'] }), colors);
  assert.deepEqual(
    model.loss[0]?.points.map((point) => point.y),
    [1, null, null],
  );
});

test('a zoomed window at full detail is spliced into the downsampled whole', () => {
  const base: SeriesData = { key: 'loss', steps: [0, 100, 200, 300], values: [4, 3, 2, 1], total: 301 };
  const detail: SeriesData = { key: 'loss', steps: [100, 150, 200], values: [3, 9, 2], total: 3 };
  assert.deepEqual(mergeDetail(base, detail).steps, [0, 100, 150, 200, 300]);
  assert.deepEqual(mergeDetail(base, detail).values, [4, 3, 9, 2, 1]);
  const view = { ...(runs[0] ?? assert.fail()), trainLoss: base };
  const model = buildChartModel([view], ui({ smoothing: 0, showEvalLoss: false }), colors, new Map(), new Map([[detailKey(view.id, 'loss'), detail]]));
  assert.equal(Math.max(...model.loss.flatMap((line) => line.points.map((point) => point.y ?? 0))), 9, 'the spike only the detail holds is drawn');
});

test('the draw budget keeps spikes and drops what is off screen', () => {
  const steps = Array.from({ length: 10_000 }, (_, i) => i);
  const values = steps.map((i) => (i === 7777 ? 50 : Math.sin(i / 100)));
  const view = { ...(runs[0] ?? assert.fail()), trainLoss: { key: 'loss', steps, values, total: steps.length } };
  const model = buildChartModel([view], ui({ smoothing: 0, showEvalLoss: false }), colors, new Map(), new Map(), {
    maxPointsPerLine: 600,
    xWindow: { min: 5000, max: 9000 },
  });
  const points = model.loss[0]?.points ?? assert.fail();
  assert.ok(points.length <= 601, `${points.length} points`);
  assert.ok(points.some((point) => point.x === 7777 && point.y === 50));
  assert.ok(points.every((point) => point.x >= 4999 && point.x <= 9001));
});

test('the crosshair lists each run’s value at the nearest point, if near enough', () => {
  const model = buildChartModel(runs, ui({ smoothing: 0, showTrainLoss: false }), colors);
  const at300 = valuesAt(model.loss, 300, 10);
  assert.deepEqual(at300.map((value) => [value.runId, value.x]).sort(), [
    ['/ws/healthy', 300],
    ['/ws/sft-run', 300],
  ]);
  assert.deepEqual(
    valuesAt(model.loss, 900, 10).map((value) => value.runId),
    ['/ws/sft-run'],
    'the healthy run ended at step 400',
  );
  assert.deepEqual(xExtent(model.loss), { min: 50, max: 1000 });
});

test('the CSV holds what is visible, raw and smoothed side by side, and defuses formulas in names', () => {
  const model = buildChartModel(runs, ui({ showTrainLoss: false }), colors);
  const csv = visibleCsv(
    [model.accuracy],
    new Map([
      ['/ws/sft-run', '=sft'],
      ['/ws/healthy', 'healthy'],
    ]),
    'step',
    { min: 200, max: 400 },
  );
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'run,metric,step,value,smoothed');
  assert.equal(lines.filter((line) => line.startsWith(`"'=sft"`)).length, 3, 'steps 200, 300, 400');
  const row = lines.find((line) => line.startsWith('"healthy","eval/mean_token_accuracy",200,')) ?? assert.fail();
  assert.equal(Number(row.split(',')[3]), 38);
});

test('with a cache, unchanged runs keep their shaped lines and only what changed is shaped again', () => {
  const cache: LineCache = new WeakMap();
  const first = buildChartModel(runs, ui(), colors, new Map(), new Map(), undefined, cache);
  const changed = runs.map((run) => (run.id === '/ws/healthy' ? { ...run } : run));
  const second = buildChartModel(changed, ui(), colors, new Map(), new Map(), undefined, cache);
  // The smoothed train loss line: eval lines are drawn raw at any smoothing.
  const line = (model: typeof first, runId: string) => model.loss.find((item) => item.runId === runId && !item.raw && item.train);
  assert.equal(line(second, '/ws/sft-run'), line(first, '/ws/sft-run'), 'the same objects, not shaped again');
  assert.notEqual(line(second, '/ws/healthy'), line(first, '/ws/healthy'));
  assert.deepEqual(line(second, '/ws/healthy')?.points, line(first, '/ws/healthy')?.points);
  const resmoothed = buildChartModel(changed, ui({ smoothing: 0.9 }), colors, new Map(), new Map(), undefined, cache);
  assert.notEqual(line(resmoothed, '/ws/sft-run'), line(first, '/ws/sft-run'));
  assert.notDeepEqual(line(resmoothed, '/ws/sft-run')?.points, line(first, '/ws/sft-run')?.points);
});

test('restored UI state is validated', () => {
  const restored = restoreUiState(
    { smoothing: 5, hiddenRunIds: ['a', 3], showTrainLoss: 'yes', xAxis: 'days', logScale: ['loss', 'x'], colors: { a: 1, b: -1 }, filter: 7 },
    0.6,
  );
  assert.deepEqual(restored, { ...defaultUiState(0.6), hiddenRunIds: ['a'], logScale: ['loss'], colors: { a: 1 } });
  assert.deepEqual(restoreUiState(undefined, 0.3), defaultUiState(0.3));
  assert.deepEqual(restoreUiState({ xAxis: 'epoch', xRange: { min: 0.5, max: 1.25 } }, 0.6).xRange, { min: 0.5, max: 1.25 });
  for (const xRange of [{ min: 2, max: 1 }, { min: 0, max: Number.POSITIVE_INFINITY }, { min: '0', max: 5 }, [0, 5]])
    assert.equal(restoreUiState({ xAxis: 'step', xRange }, 0.6).xRange, null);
  assert.equal(restoreUiState({ xRange: { min: 0, max: 5 } }, 0.6).xRange, null, 'a window of an unknown axis');
});

test('value axis ticks: one number format, short scientific notation for a learning rate, no float noise', () => {
  assert.equal(formatTick(2e-5), '2e-5');
  assert.equal(formatTick(2.5e-5), '2.5e-5');
  assert.equal(formatTick(0.1 + 0.2), '0.3');
  assert.equal(formatTick(1200), '1200');
  assert.equal(formatTick(-0.5), '-0.5');
  assert.equal(formatTick(0), '0');
  assert.equal(formatTick(3_000_000), '3e6');
});

test('the seventh run colour is not a pale copy of the first: the pale half starts two hues on', () => {
  const base = ['blue', 'orange', 'green', 'purple', 'yellow', 'red'];
  const palette = runPalette(base, 'white');
  assert.equal(palette.length, 12);
  assert.deepEqual(palette.slice(0, 6), base);
  assert.doesNotMatch(palette[6] ?? '', /blue/, 'before, the 7th was blue blended toward the text colour');
  assert.equal(palette[6], 'color-mix(in srgb, green 55%, white)');
  assert.equal(new Set(palette.slice(6).map((color) => color.split(' ')[2])).size, 6, 'each hue once in the pale half');
});
