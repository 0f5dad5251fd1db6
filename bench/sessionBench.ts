// A workspace of 1,000 runs × 10,000 points opened as the extension does it, without the editor: the
// session's watcher and readers, the views built in slices as the controller builds them. Measured: when the
// status bar could first show a run (a view with an eval accuracy), when it could show the most recently
// written run, when every run is read, and the heap the session and its views hold at the end.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RunSession } from '../src/node/runSession';
import { SlicedQueue } from '../src/node/slicedQueue';
import { buildRunView, type RunView } from '../src/core/runView';
import { coarseView, FIRST_DRAW_MAX_POINTS, viewPoints } from '../src/core/firstDraw';
import { medianMs, type Row } from './timing';

const RUNS = Number(process.env['TAL_BENCH_RUNS'] ?? 1000);
const LINES = 5000;
const EVAL_EVERY = 50;

/** 5,000 lines of train loss and learning rate, an evaluation every 50 steps: 10,200 points. */
function runLog(run: number): string {
  const lines: string[] = [];
  for (let step = 1; step <= LINES; step++) {
    lines.push(
      `{"step":${step},"loss":${(2 / Math.log(step + 2) + 0.001 * (run % 7)).toFixed(5)},"learning_rate":${(1e-4 * (1 - step / LINES)).toPrecision(4)}}`,
    );
    if (step % EVAL_EVERY === 0) lines.push(`{"step":${step},"eval_loss":${(1.5 - step / 1e4).toFixed(5)},"eval_accuracy":${(0.4 + step / 2e4).toFixed(5)}}`);
  }
  return lines.join('\n') + '\n';
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export async function sessionBench(dir: string): Promise<Row[]> {
  const root = join(dir, 'workspace');
  const paths: string[] = [];
  let bytes = 0;
  // File times spread over 1,000 s, the newest run neither first nor last by name.
  const base = Date.now() / 1000 - 2000;
  const newest = 613;
  for (let run = 0; run < RUNS; run++) {
    const folder = join(root, `run-${String(run).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, 'trainer_log.jsonl');
    const text = runLog(run);
    bytes += text.length;
    writeFileSync(path, text);
    const time = run === newest ? base + 1500 : base + ((run * 7919) % RUNS);
    utimesSync(path, time, time);
    paths.push(path);
  }
  const rawStart = performance.now();
  for (const path of paths) readFileSync(path);
  const raw = performance.now() - rawStart;

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const views = new Map<string, RunView>();
  const session = new RunSession(() => undefined);
  let firstStatus = Number.NaN;
  let newestShown = Number.NaN;
  const newestId = join(root, `run-${String(newest).padStart(4, '0')}`);
  const start = performance.now();
  const queue = new SlicedQueue<RunView | undefined>(
    (id) => {
      const run = session.store.snapshot(id);
      return run === undefined ? undefined : buildRunView(run, id, {}, session.modifiedMs(id), [], {}, session.analysis);
    },
    (results) => {
      for (const [id, view] of results) if (view !== undefined) views.set(id, view);
      const now = performance.now() - start;
      if (Number.isNaN(firstStatus) && [...results.values()].some((view) => view?.latest !== null && view !== undefined)) firstStatus = now;
      if (Number.isNaN(newestShown) && results.get(newestId)?.latest != null) newestShown = now;
    },
  );
  session.onRunsChanged((ids) => queue.add(ids));
  await session.watch([root]);
  const listed = performance.now() - start;
  const complete = (): boolean => views.size === RUNS && [...views.values()].every((view) => view.trainLoss?.total === LINES);
  while (!complete() || queue.busy) await new Promise((resolve) => setTimeout(resolve, 20));
  const all = performance.now() - start;
  gc();
  const heap = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  // Opening the panel: the first message as the panel posts it (coarse series above FIRST_DRAW_MAX_POINTS), then the full one.
  const held = [...views.values()];
  let firstBytes = 0;
  let fullBytes = 0;
  const firstMs = await medianMs(5, () => {
    const coarse = viewPoints(held) > FIRST_DRAW_MAX_POINTS;
    firstBytes = JSON.stringify({ type: 'snapshot', runs: coarse ? held.map((view) => coarseView(view)) : held }).length;
  });
  const fullMs = await medianMs(5, () => (fullBytes = JSON.stringify({ type: 'snapshot', runs: held }).length));
  if (process.env['TAL_BENCH_MEMORY_PARTS'] !== undefined) {
    views.clear();
    gc();
    process.stdout.write(`without views: ${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(0)} MB\n`);
  }
  const points = RUNS * (2 * LINES + (2 * LINES) / EVAL_EVERY);
  await session.dispose();
  return [
    [
      'first view: 1,000 runs × 10,200 points (JSONL)',
      `status bar has a run after ${firstStatus.toFixed(0)} ms, the newest run after ${newestShown.toFixed(0)} ms (all folders listed after ${listed.toFixed(0)} ms); all read and analysed after ${(all / 1000).toFixed(1)} s`,
      `first run at ${(firstStatus / raw).toFixed(2)}× a raw read of all ${(bytes / 1e6).toFixed(0)} MB (${raw.toFixed(0)} ms); budget 1 s`,
    ],
    [
      'panel opened on 1,000 runs: the first message, coarse series',
      `${firstMs.toFixed(0)} ms to build and serialize, ${(firstBytes / 1e6).toFixed(1)} MB; the full one after it ${fullMs.toFixed(0)} ms, ${(fullBytes / 1e6).toFixed(1)} MB`,
      `${(firstMs / fullMs).toFixed(2)}× the full snapshot; budget 300 ms to the first draw`,
    ],
    [
      'session memory: 1,000 runs × 10,200 points, views included',
      `${heap.toFixed(0)} MB heap (budget 250 MB)`,
      `${((heap * 1e6) / points / 16).toFixed(2)}× a Float64 step/value pair per point (${((heap * 1e6) / points).toFixed(1)} bytes a point)`,
    ],
  ];
}
