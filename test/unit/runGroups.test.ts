import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { buildRunView, type RunView } from '../../src/core/runView';
import { buildChartModel, chooseAnnotatedRuns, valuesAt } from '../../webview/chartData';
import { groupBand } from '../../webview/groupBand';
import { BAND_LEGEND, groupRuns } from '../../webview/runGroups';
import { defaultUiState, restoreUiState } from '../../webview/uiState';
import { misleadingRunPoints } from '../fixtures/runs';

const points = (pairs: readonly (readonly [number, number | null])[]) => ({ points: pairs.map(([x, y]) => ({ x, y })) });

test('a band on one step grid: mean, min and max of the runs, every run counted', () => {
  const band = groupBand([
    points([
      [0, 1],
      [10, 3],
    ]),
    points([
      [0, 3],
      [10, 5],
    ]),
  ]);
  assert.deepEqual(band, { xs: [0, 10], mean: [2, 4], low: [1, 3], high: [3, 5], count: [2, 2] });
});

test('unequal step grids: each run is interpolated within its own range and never extrapolated', () => {
  // Run a logs every 10 steps up to 20; run b every 5 steps from 5 to 30.
  const band = groupBand([
    points([
      [0, 0],
      [10, 10],
      [20, 20],
    ]),
    points([
      [5, 100],
      [15, 100],
      [30, 100],
    ]),
  ]);
  assert.deepEqual(band.xs, [0, 5, 10, 15, 20, 30]);
  // Step 0: only a (b starts at 5); step 30: only b (a ended at 20): neither is carried past its own points.
  assert.deepEqual(band.count, [1, 2, 2, 2, 2, 1]);
  assert.deepEqual(band.mean, [0, 52.5, 55, 57.5, 60, 100]);
  assert.deepEqual(band.low, [0, 5, 10, 15, 20, 100]);
  assert.deepEqual(band.high, [0, 100, 100, 100, 100, 100]);
});

test('NaN and missing values are gaps bridged inside the run, not values, and a run of nothing but gaps counts nowhere', () => {
  const band = groupBand([
    points([
      [0, 2],
      [5, Number.NaN],
      [10, 4],
    ]),
    points([
      [0, 6],
      [5, null],
      [10, 8],
    ]),
    points([
      [0, Number.NaN],
      [10, null],
    ]),
  ]);
  // Step 5 is no run's finite point: the union holds only the steps some run has a value at.
  assert.deepEqual(band.xs, [0, 10]);
  assert.deepEqual(band.count, [2, 2]);
  assert.deepEqual(band.mean, [4, 6]);
  const bridged = groupBand([
    points([
      [0, 2],
      [5, Number.NaN],
      [10, 4],
    ]),
    points([[5, 10]]),
  ]);
  assert.deepEqual(bridged.xs, [0, 5, 10]);
  assert.deepEqual(bridged.count, [1, 2, 1]);
  assert.deepEqual(bridged.mean, [2, 6.5, 4], 'the first run is interpolated to 3 over its NaN at step 5');
  assert.deepEqual(groupBand([]), { xs: [], mean: [], low: [], high: [], count: [] });
});

test('a union longer than the drawing budget is thinned evenly, first and last kept, the values at the kept steps exact', () => {
  // Three runs on grids offset by one step: 3,000 steps in the union.
  const members = [0, 1, 2].map((offset) => ({ points: Array.from({ length: 1000 }, (_, i) => ({ x: i * 3 + offset, y: i * 3 + offset })) }));
  const full = groupBand(members);
  assert.equal(full.xs.length, 3000);
  const band = groupBand(members, 500);
  assert.equal(band.xs.length, 500);
  assert.equal(band.xs[0], 0);
  assert.equal(band.xs.at(-1), 2999);
  band.xs.forEach((x, i) => {
    const at = full.xs.indexOf(x);
    assert.equal(band.mean[i], full.mean[at]);
    assert.equal(band.count[i], full.count[at]);
  });
  // On the line y = x, a run interpolated at a step between its own points gives the step itself.
  assert.equal(full.mean[1500], 1500);
});

test('runs differing only in the chosen parameter are one group; the per-run paths do not split them', () => {
  const runs = [
    { id: 'a1', label: 'a1', parameters: { lr: 1e-4, seed: 1, output_dir: 'out/a1' } },
    { id: 'a2', label: 'a2', parameters: { lr: 1e-4, seed: 2, output_dir: 'out/a2' } },
    { id: 'b1', label: 'b1', parameters: { lr: 3e-4, seed: 1, output_dir: 'out/b1' } },
    { id: 'b2', label: 'b2', parameters: { lr: 3e-4, seed: 2, output_dir: 'out/b2' } },
    { id: 'c1', label: 'c1', parameters: { lr: 1e-3, seed: 1, output_dir: 'out/c1' } },
  ];
  const { groups, note } = groupRuns(runs, 'seed');
  assert.deepEqual(
    groups.map((group) => [group.label, group.runIds]),
    [
      ['lr=0.0001', ['a1', 'a2']],
      ['lr=0.0003', ['b1', 'b2']],
    ],
  );
  assert.match(note, /2 groups of 4 runs drawn as their mean with a shaded min–max band; 1 run with no partner drawn alone/);
  assert.match(BAND_LEGEND, /min–max of a group's runs.*union of their steps.*never extrapolated.*only the runs with a value there/);
  // Over the learning rate instead: one group per seed, each averaging the learning rates.
  assert.deepEqual(
    groupRuns(runs, 'lr').groups.map((group) => [group.label, group.runIds]),
    [
      ['seed=1', ['a1', 'b1', 'c1']],
      ['seed=2', ['a2', 'b2']],
    ],
  );
  assert.equal(groupRuns(runs, 'batch_size').note, 'No run logs batch_size: every run is drawn alone.');
  const apart = groupRuns(
    runs.map((run) => ({ ...run, parameters: { ...run.parameters, batch_size: 8 } })),
    'batch_size',
  );
  assert.deepEqual(apart.groups, []);
  assert.match(apart.note, /^No two runs differ only in batch_size \(they also differ in lr, seed\): every run is drawn alone\.$/);
  assert.deepEqual(
    groupRuns(runs.slice(0, 2), 'seed').groups.map((group) => group.label),
    ['all runs'],
  );
  // Runs that log no parameters at all are equal in every one: they still do not differ "only in seed".
  const bare = [...runs.slice(0, 2), { id: 'x', label: 'x', parameters: {} }, { id: 'y', label: 'y', parameters: {} }];
  const withBare = groupRuns(bare, 'seed');
  assert.deepEqual(
    withBare.groups.map((group) => group.runIds),
    [['a1', 'a2']],
  );
  assert.match(withBare.note, /1 group of 2 runs drawn as their mean with a shaded min–max band; 2 runs logging no seed drawn alone\./);
  assert.equal(groupRuns(bare.slice(2), 'seed').note, 'No run logs seed: every run is drawn alone.');
});

function seededRun(id: string, seed: number, shift: number, lastStep: number): RunView {
  const store = new RunStore();
  const kept = misleadingRunPoints().filter((point) => point.step <= lastStep);
  store.addPoints(
    id,
    { path: `${id}/trainer_state.json`, format: 'hf-trainer-state' },
    kept.map((point) => (point.key === 'eval_mean_token_accuracy' ? { ...point, value: point.value + shift } : point)),
  );
  const view = buildRunView(store.snapshot(id) ?? assert.fail(), id);
  return { ...view, parameters: { learning_rate: 1e-4, seed } };
}

test('grouped over seed, the charts draw one mean line with its band instead of the runs, and the crosshair says the spread', () => {
  const runs = [seededRun('/ws/s1', 1, 0, 10_000), seededRun('/ws/s2', 2, 0.02, 10_000), seededRun('/ws/s3', 3, 0.04, 300)];
  const colors = { '/ws/s1': 0, '/ws/s2': 1, '/ws/s3': 2 };
  const model = buildChartModel(runs, { ...defaultUiState(0), groupOver: 'seed' }, colors);
  assert.equal(model.groups.length, 1);
  const [mean, ...others] = model.accuracy;
  assert.equal(others.length, 0, 'the three runs are drawn as their mean alone');
  assert.ok(mean !== undefined && mean.group !== undefined);
  assert.match(mean.label, /all runs · mean of 3 runs \(band min–max\) · eval_mean_token_accuracy/);
  const first = runs[0]?.evalAccuracy ?? assert.fail();
  const firstStep = first.steps[0] as number;
  const lastStep = first.steps.at(-1) as number;
  const at = (step: number) => valuesAt([mean], step, 0.5)[0] ?? assert.fail(`a value at ${step}`);
  // Where all three log, the mean is the first run's value plus the mean shift of 2 points; the third run stopped at 300.
  assert.equal(at(firstStep).spread?.count, 3);
  assert.ok(Math.abs(at(firstStep).y - ((first.values[0] as number) * 100 + 2)) < 1e-9);
  assert.deepEqual(at(lastStep).spread?.count, 2, 'the run that stopped early is not extrapolated to the last step');
  assert.ok(model.groupNote?.includes('Grouped over seed'));
  assert.deepEqual(model.annotated.runIds, [], 'runs drawn only inside a mean get no markers of their own');
  // Focused (or pinned), a run of the group is drawn on its own too, beside the mean, with its markers.
  const focused = buildChartModel(runs, { ...defaultUiState(0), groupOver: 'seed', focusedRunId: '/ws/s3', pinnedRunIds: ['/ws/s1'] }, colors);
  assert.deepEqual(
    focused.accuracy.map((line) => line.runId),
    ['/ws/s1', '/ws/s3', model.groups[0]?.id],
  );
  assert.deepEqual(focused.annotated.runIds, ['/ws/s3', '/ws/s1']);
  assert.equal(focused.accuracy.find((line) => line.runId === '/ws/s1')?.faded, true, 'a pinned run steps back behind the focused one');
  const ungrouped = buildChartModel(runs, defaultUiState(0), colors);
  assert.equal(ungrouped.accuracy.length, 3);
  assert.equal(ungrouped.groupNote, null);
});

test('pinned runs are annotated besides the focused one, and the note names them', () => {
  const named = Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, label: `run ${i}` }));
  const pinned = chooseAnnotatedRuns(named, 'r1', 'r2', ['r5', 'r1', 'gone']);
  assert.deepEqual(pinned.runIds, ['r1', 'r2', 'r5']);
  assert.match(
    pinned.note ?? '',
    /run 1 \(focused\), run 2 \(pointed at\), run 5 \(pinned\); click the focused row in the runs table again to annotate the pinned runs/,
  );
  assert.deepEqual(chooseAnnotatedRuns(named, null, 'r3', ['r3']).note?.match(/run 3 \((\w+)/)?.[1], 'pinned', 'pointed at and pinned: named as pinned');
  const onlyPinned = chooseAnnotatedRuns(named, null, null, ['r7', 'r3']);
  assert.deepEqual(onlyPinned.runIds, ['r3', 'r7']);
  assert.match(
    onlyPinned.note ?? '',
    /run 3 \(pinned\), run 7 \(pinned\); pin or point at another run to annotate it too; unpin every run to annotate up to 6/,
  );
  const many = chooseAnnotatedRuns(named, null, null, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  assert.match(many.note ?? '', /run 4 \(pinned\) and 2 more;/);
});

test('the grouping and the pins are kept in the webview state and checked when restored', () => {
  const restored = restoreUiState({ ...defaultUiState(0.6), groupOver: 'seed', pinnedRunIds: ['a', 3, 'b'] }, 0.6);
  assert.equal(restored.groupOver, 'seed');
  assert.deepEqual(restored.pinnedRunIds, ['a', 'b']);
  assert.equal(restoreUiState({ groupOver: 7 }, 0.6).groupOver, null);
  assert.equal(restoreUiState({ groupOver: '' }, 0.6).groupOver, null);
});
