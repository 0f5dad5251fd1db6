import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import test from 'node:test';
import type { RunReport } from '../../src/core/report';
import { reportPaths } from '../../src/node/reportPaths';
import { RunSession } from '../../src/node/runSession';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';
import { waitFor } from './sessionWait';
import { REPO_ROOT } from './tokenPython';

/**
 * Issue 3's acceptance: `report --json` on each real sample tree gives every scalar the files hold. The
 * files are read a second time by test/fixtures/samples/reference_reader.py, which shares no code with the
 * extension, and the two readings are compared per run, per key and per step.
 *
 * What the reference does not count as a metric's scalar, on purpose (the extension keeps it elsewhere or
 * it is not a measurement): trainer_state.json's top-level fields (global_step, best_metric, the final
 * total_flos repeated from log_history); text and other non-scalar TensorBoard summaries (HF's args and
 * model config); the Git LFS pointer, which holds no history; MLflow params and tags and W&B's config
 * (run parameters and names, checked in mlflowFileStore and wandbRuns tests); LLaMA-Factory's elapsed and
 * remaining times ("0:02:12"), which place a line in time as W&B's `_runtime` does.
 */

interface ReferencePoint {
  readonly run: string;
  readonly file: string;
  readonly key: string;
  readonly step: number;
  readonly value: number | 'nan' | 'inf' | '-inf';
  /** A scalar that is not a metric by design: why. */
  readonly skip?: string;
  /** A scalar that repeats what another file of the run holds with steps: it must be in the run at some step. */
  readonly copyOf?: string;
}

/**
 * What each folder holds, counted by the reference reader, and why some scalars are not points of their own.
 * `collapsed` points are a (run, key, step) given twice; each case is explained and checked below.
 */
const EXPECTED: Record<string, { scalars: number; points: number; collapsed: number; skipped: Record<string, number>; copies: number; why: string }> = {
  // build-nanogpt `log.txt` lines (train, val, hella) and one HF Trainer console (48 printed dicts, its train metrics block).
  console_logs: {
    scalars: 75929,
    points: 75875,
    collapsed: 0,
    skipped: { 'epoch is the position of a log, not a metric': 50, 'the dict printed just before holds it in full precision': 4 },
    copies: 0,
    why: 'The train metrics block repeats train_loss, train_runtime and the two rates the dict above it printed, rounded; its `total_flos = 9406556GF` is read as 9406556 GiB of FLOs.',
  },
  hf_results: {
    scalars: 25,
    points: 22,
    collapsed: 11,
    skipped: { 'epoch is the position of a log, not a metric': 3 },
    copies: 0,
    why: 'all_results.json merges eval_results.json and train_results.json: each of its 11 values is also in one of them, equal.',
  },
  lightning_csv: {
    scalars: 9335,
    points: 6110,
    collapsed: 0,
    skipped: { 'epoch is the position of a log, not a metric': 3225 },
    copies: 0,
    why: 'Every non-empty cell but step and epoch is a point.',
  },
  llamafactory: {
    scalars: 19517,
    points: 7655,
    collapsed: 1406,
    skipped: {
      'the step itself': 2965,
      'the planned number of steps, not a metric': 2965,
      'epoch is the position of a log, not a metric': 2967,
      'progress, not a metric': 2965,
    },
    copies: 0,
    why:
      'rameyjm7 was trained on several nodes, each appending every log line: 1,404 lines repeat a step (523 with a loss that differs in the 4th decimal; the last line written wins). ' +
      'syGOAT logs its last step twice, equal (its throughput, written as text "0.00", is a number too).',
  },
  mlflow: {
    scalars: 24,
    points: 24,
    collapsed: 2,
    skipped: {},
    copies: 0,
    why: 'AlsonYang run f8b0899 logs test_loss and test_micro_accuracy twice at step 0 (two evaluations): the later line wins, as in MLflow\'s own "latest" view.',
  },
  tfevents: {
    scalars: 1504,
    points: 1504,
    collapsed: 20,
    skipped: {},
    copies: 0,
    why:
      'Lightning writes `epoch` with both its train and its validation scalars at one step, and HF writes train/epoch with both the train log and the evaluation at one step (16 in one file); ' +
      'the files of one run (Lightning fit/validate/test, HF train/evaluate) repeat 4 of them, equal.',
  },
  trainer_state: {
    scalars: 6280,
    points: 4852,
    collapsed: 114,
    skipped: { 'epoch is the position of a log, not a metric': 1428 },
    copies: 0,
    why:
      'Checkpoints of one output_dir (Mugisha-isaac 100/171, subro608 500/2400) hold prefixes of one history: 107 points in both, equal. ' +
      'eleanorgit evaluates twice at its last step (load_best_model_at_end then evaluate()): 7 keys, 3 with a different runtime; the later entry wins.',
  },
  wandb: {
    scalars: 86,
    points: 18,
    collapsed: 0,
    skipped: {
      'epoch is the position of a log, not a metric': 11,
      'the step itself': 7,
      "W&B's own clock": 14,
      "W&B's own row counter": 7,
      'the dict printed just before holds it in full precision': 4,
    },
    copies: 25,
    why:
      'files/output.log prints what the .wandb history holds (rounded in its metrics blocks) and wandb-summary.json is its latest values: ' +
      'each must be in the run; eval_samples and train_samples, printed only in output.log, are kept from it.',
  },
};

const pythonSkip = ((): string | false => {
  try {
    execFileSync('python3', ['--version']);
    return false;
  } catch {
    return 'python3 not found';
  }
})();

function referencePoints(folder: string): ReferencePoint[] {
  const script = join(REPO_ROOT, 'test/fixtures/samples/reference_reader.py');
  const text = execFileSync('python3', [script, join(SAMPLES_DIR, folder)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ReferencePoint);
}

/** The report gives non-finite values as null. */
const reported = (value: ReferencePoint['value']): number | null => (typeof value === 'number' ? value : null);

/** A console prints numbers rounded (`0.3257` for 0.32567…, runtimes to 0.01 s): a copy matches the value it was printed from. */
function closeTo(printed: number | null, value: number | null): boolean {
  if (printed === null || value === null) return printed === value;
  return Math.abs(printed - value) <= 0.005 + 1e-3 * Math.abs(value);
}

function count(points: readonly ReferencePoint[], reason: (point: ReferencePoint) => string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const point of points) {
    const why = reason(point);
    if (why !== undefined) counts[why] = (counts[why] ?? 0) + 1;
  }
  return counts;
}

for (const [folder, expected] of Object.entries(EXPECTED)) {
  test(`${folder}: report --json holds every scalar of the real samples`, { skip: samplesSkipReason(folder) || pythonSkip }, async () => {
    const reference = referencePoints(folder);
    const document = await reportPaths([join(SAMPLES_DIR, folder)]);
    assert.deepEqual(document.problems, [], 'no sample is reported as a problem');

    const points = reference.filter((point) => point.skip === undefined && point.copyOf === undefined);
    const copies = reference.filter((point) => point.skip === undefined && point.copyOf !== undefined);
    assert.equal(reference.length, expected.scalars, 'scalars in the files');
    assert.equal(points.length, expected.points, 'metric points in the files');
    assert.equal(copies.length, expected.copies, 'copies of another source');
    assert.deepEqual(
      count(reference, (point) => point.skip),
      expected.skipped,
      'scalars that are not metrics by design',
    );

    // What the run store should hold: per run, per key, per step, the last value written.
    const want = new Map<string, Map<string, Map<number, ReferencePoint>>>();
    let collapsed = 0;
    for (const point of points) {
      const run = want.get(point.run) ?? new Map<string, Map<number, ReferencePoint>>();
      want.set(point.run, run);
      const series = run.get(point.key) ?? new Map<number, ReferencePoint>();
      run.set(point.key, series);
      const before = series.get(point.step);
      if (before !== undefined) {
        collapsed++;
        // A point given twice is either logged twice by one file or the same value in two files of one run.
        assert.ok(
          before.file === point.file || before.value === point.value,
          `${point.run} ${point.key}@${point.step} differs between ${before.file} and ${point.file}`,
        );
      }
      series.set(point.step, point);
    }
    assert.equal(collapsed, expected.collapsed, `points given twice: ${expected.why}`);

    const runs = new Map<string, RunReport>(document.runs.map((run) => [run.id, run]));
    // Keys that only a copy holds (log_metrics values printed by a console beside a better source) are the run's own.
    const copyOnly = (runId: string): string[] => [
      ...new Set(copies.filter((copy) => copy.run === runId && want.get(runId)?.has(copy.key) !== true).map((copy) => copy.key)),
    ];
    for (const [runId, keys] of want) {
      const run = runs.get(runId) ?? assert.fail(`run ${runId} is missing from the report`);
      assert.deepEqual(Object.keys(run.metrics).sort(), [...keys.keys(), ...copyOnly(runId)].sort(), `keys of ${runId}`);
      for (const key of copyOnly(runId)) {
        const values = run.metrics[key]?.values ?? [];
        assert.deepEqual(
          values,
          [...new Set(copies.filter((copy) => copy.run === runId && copy.key === key).map((copy) => reported(copy.value)))],
          `${runId} ${key} holds its printed value once`,
        );
      }
      for (const [key, series] of keys) {
        const steps = [...series.keys()].sort((a, b) => a - b);
        assert.deepEqual(run.metrics[key], { steps, values: steps.map((step) => reported((series.get(step) as ReferencePoint).value)) }, `${runId} ${key}`);
      }
    }
    // A run with no scalars (a failed MLflow run, its meta.yaml only) may be listed, but never with numbers.
    for (const run of document.runs) if (!want.has(run.id)) assert.deepEqual(run.metrics, {}, `${run.id} has numbers no file holds`);

    for (const copy of copies) {
      const series = runs.get(copy.run)?.metrics[copy.key];
      assert.ok(
        series?.values.some((value) => closeTo(reported(copy.value), value)),
        `${copy.key} = ${copy.value} of ${copy.file} (a copy of ${copy.copyOf}) is not in the run`,
      );
    }
  });
}

/** A run's numbers as the report writes them (non-finite values as null), to compare the session with the report. */
function sessionMetrics(session: RunSession, runId: string): RunReport['metrics'] {
  const metrics: Record<string, { steps: readonly number[]; values: (number | null)[] }> = {};
  for (const [key, series] of session.store.snapshot(runId)?.metrics ?? [])
    metrics[key] = { steps: [...series.steps], values: series.values.map((value) => (Number.isFinite(value) ? value : null)) };
  return metrics;
}

for (const folder of Object.keys(EXPECTED)) {
  test(
    `${folder}: the extension watching the tree holds what report --json gives, whatever order the watcher finds the files in`,
    { skip: samplesSkipReason(folder) },
    async () => {
      const root = join(SAMPLES_DIR, folder);
      const document = await reportPaths([root]);
      const session = new RunSession(() => undefined);
      // The points and what each run is called come from different files (a W&B run's name from its config),
      // read in whatever order the watcher finds them: the session is compared once both have arrived.
      const same = (): boolean =>
        document.runs.every(
          (run) => JSON.stringify(sessionMetrics(session, run.id)) === JSON.stringify(run.metrics) && isDeepStrictEqual(session.runInfo(run.id), run.info),
        ) && session.store.runIds().length === document.runs.length;
      try {
        await session.watch([root]);
        await waitFor(session, same);
        for (const run of document.runs) {
          assert.deepEqual(sessionMetrics(session, run.id), run.metrics, run.id);
          assert.deepEqual(session.runInfo(run.id), run.info, `what ${run.id} is called`);
        }
        assert.deepEqual(session.problems(), []);
      } finally {
        await session.dispose();
      }
    },
  );
}
