// The panel with 50 runs of 100,000 points: what the host does before the first draw (views, downsampled,
// and the snapshot message) and for a zoom (windows at full detail), against serializing the raw series.
import { RunStore, type RunSnapshot } from '../src/core/runStore';
import { analyzeRun } from '../src/core/analysis/runAnalysis';
import { AnalysisCache } from '../src/core/analysis/analysisCache';
import { buildRunView, type RunView } from '../src/core/runView';
import { requestedSeries } from '../src/vscode/runViews';
import { SlicedQueue } from '../src/node/slicedQueue';
import { cpuMs, longestBlockMs, medianMs, type Row } from './timing';

export async function panelBench(): Promise<Row[]> {
  const store = new RunStore();
  const runs = 50;
  const points = 100_000;
  for (let r = 0; r < runs; r++) {
    const batch = [];
    for (let step = 1; step <= points; step++) {
      batch.push({ key: 'loss', step, value: 2 / Math.log(step + 2) + 0.01 * Math.sin(step + r), epoch: step / 1e4 });
      if (step % 10 === 0)
        batch.push(
          { key: 'eval_loss', step, value: 1.5 + 0.1 * Math.sin(step / 5000 + r) },
          { key: 'eval_mean_token_accuracy', step, value: 0.5 + step / 1e6 },
        );
    }
    store.addPoints(`/runs/${r}`, { path: `/runs/${r}/metrics.jsonl`, format: 'jsonl' }, batch);
  }
  const snapshots = store.snapshots();
  const reference = await medianMs(3, () => snapshots.map((run) => JSON.stringify(run.metrics.get('loss'))));
  let views: RunView[] = [];
  // The first snapshot: nothing kept, every run analysed from its first point (the session's cache is empty).
  const firstBuild = (): void => {
    const cache = new AnalysisCache();
    views = snapshots.map((run) => buildRunView(run, run.id, {}, null, [], {}, cache));
  };
  const build = await medianMs(3, firstBuild);
  // CPU time as well: on a machine shared with other work, wall time counts their turns too.
  const buildCpu = await cpuMs(3, firstBuild);
  const analysis = await medianMs(3, () => snapshots.map((run) => analyzeRun(run)));
  let message = '';
  const serialize = await medianMs(3, () => (message = JSON.stringify({ type: 'snapshot', runs: views })));
  // As the extension does it: the first analysis of every run spread over slices, the event loop free between them.
  const byId = new Map(snapshots.map((run) => [run.id, run]));
  const sliced = await longestBlockMs(
    () =>
      new Promise<void>((resolve) => {
        const queue = new SlicedQueue<RunView | undefined>(
          (id) => {
            const run = byId.get(id);
            return run === undefined ? undefined : buildRunView(run, run.id);
          },
          () => {
            if (!queue.busy) resolve();
          },
        );
        queue.add(byId.keys());
      }),
  );
  // One eval (and the ten train logs before it) appended to one run: the session rebuilds that run's view with
  // its kept passes and sends the snapshot again; the other 49 views are the ones it holds.
  const cache = new AnalysisCache();
  const held = new Map(snapshots.map((run) => [run.id, buildRunView(run, run.id, {}, null, [], {}, cache)]));
  let next = points;
  const appendOne = (): RunSnapshot => {
    const batch = [];
    for (let k = 0; k < 10; k++) batch.push({ key: 'loss', step: ++next, value: 2 / Math.log(next + 2), epoch: next / 1e4 });
    batch.push({ key: 'eval_loss', step: next, value: 1.5 }, { key: 'eval_mean_token_accuracy', step: next, value: 0.6 });
    store.addPoints('/runs/7', { path: '/runs/7/metrics.jsonl', format: 'jsonl' }, batch);
    return store.snapshot('/runs/7') as RunSnapshot;
  };
  const afterAppend = await medianMs(5, () => {
    const run = appendOne();
    held.set(run.id, buildRunView(run, run.id, {}, null, [], {}, cache));
    return JSON.stringify({ type: 'snapshot', runs: [...held.values()] });
  });
  const afterAppendFresh = await medianMs(5, () => {
    const run = appendOne();
    held.set(run.id, buildRunView(run, run.id));
    return JSON.stringify({ type: 'snapshot', runs: [...held.values()] });
  });
  const zoom = await medianMs(5, () =>
    snapshots.flatMap((run) =>
      ['loss', 'eval_loss', 'eval_mean_token_accuracy'].map((key) => requestedSeries(store, { runId: run.id, key, from: 40_000, to: 45_000 })),
    ),
  );
  return [
    [
      'first panel snapshot: 50 runs × 100,000 points',
      `views ${build.toFixed(0)} ms (${buildCpu.toFixed(0)} ms of CPU; warning analysis ${analysis.toFixed(0)} ms of it) + message ${serialize.toFixed(0)} ms (${(message.length / 1e6).toFixed(1)} MB)`,
      `${((build + serialize) / reference).toFixed(2)}× serializing the raw train-loss series alone (budget 200 ms)`,
    ],
    [
      'panel snapshot after one appended eval (50 × 100,000)',
      `${afterAppend.toFixed(0)} ms: one view rebuilt with its kept passes + message (${afterAppendFresh.toFixed(0)} ms with none kept)`,
      `${(afterAppend / reference).toFixed(2)}× serializing the raw train-loss series alone (budget 200 ms)`,
    ],
    [
      'first analysis of those 50 runs, in slices',
      `event loop blocked ${sliced.toFixed(0)} ms at most`,
      `${(sliced / build).toFixed(3)}× building every view in one go`,
    ],
    ['panel zoom detail: 150 windows of 5,000 steps', `${zoom.toFixed(1)} ms`, `${(zoom / reference).toFixed(3)}× serializing the raw train-loss series`],
  ];
}
