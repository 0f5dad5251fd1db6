import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { WANDB_HISTORY_FORMAT } from '../../src/core/formats/wandbHistoryFormat';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import { pointTuples, readInChunks } from './formatHarness';
import { trainerStateText } from './helpers';
import { REPO_ROOT } from './tokenPython';

/**
 * A Python that imports the real W&B SDK: `$TAL_WANDB_PYTHON`, the repository's trainers venv, or python3.
 * Where an index lacks one of its dependencies (opentelemetry-semantic-conventions, imported but unused
 * offline), wandb installs with `pip install --no-deps wandb opentelemetry-api opentelemetry-sdk
 * opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-common opentelemetry-proto`, its
 * plain dependencies (click, packaging, platformdirs, protobuf, pydantic, pyyaml, requests, xxhash), and a
 * stand-in `opentelemetry/semconv` package whose attributes are their own names.
 */
const WANDB_PYTHON = [process.env['TAL_WANDB_PYTHON'], join(REPO_ROOT, '.venv-trainers', 'bin', 'python'), 'python3'].find(
  (python) => python !== undefined && python !== '' && spawnSync(python, ['-c', 'import wandb'], { stdio: 'ignore', timeout: 60_000 }).status === 0,
);
const skip = WANDB_PYTHON === undefined ? 'no Python with the wandb SDK (set TAL_WANDB_PYTHON to one; see this file for the install)' : false;

/** Runs `script` with the real SDK in offline mode and returns the .wandb file it wrote. */
function writeOfflineRun(dir: string, script: string): Uint8Array {
  const result = spawnSync(WANDB_PYTHON ?? 'python3', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, WANDB_MODE: 'offline', WANDB_SILENT: 'true', WANDB_DIR: dir },
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const wandbDir = join(dir, 'wandb');
  const run = readdirSync(wandbDir).find((name) => name.startsWith('offline-run-')) ?? '';
  const file = readdirSync(join(wandbDir, run)).find((name) => name.endsWith('.wandb')) ?? '';
  return new Uint8Array(readFileSync(join(wandbDir, run, file)));
}

test('W&B SDK (real writer): auto steps, an explicit step, a summary-only value; no internal key becomes a metric', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-wandb-sdk-'));
  try {
    const bytes = writeOfflineRun(
      dir,
      `import wandb
run = wandb.init(project="tal", config={"lr": 0.1})
for i in range(5):
    run.log({"loss": 2.0 - i / 10, "acc": i / 10})
run.log({"x": 1}, step=10)
run.log({"x": 2})
run.summary["best_acc"] = 0.4
run.log({"loss": 1.0})
run.finish()
`,
    );
    const { points, problems } = readInChunks(WANDB_HISTORY_FORMAT, bytes, [4096, 7, 100]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      pointTuples(points.filter((point) => point.key === 'loss')),
      [0, 1, 2, 3, 4, 11].map((step, i) => ['loss', step, i === 5 ? 1 : 2 - i / 10]),
    );
    // x is logged twice at step 10 (the second call completes the row): one point, not one more at step 4.
    assert.deepEqual(pointTuples(points.filter((point) => point.key === 'x')), [['x', 10, 2]]);
    assert.deepEqual(pointTuples(points.filter((point) => point.key === 'best_acc')), [['best_acc', 10, 0.4]]);
    assert.deepEqual([...new Set(points.map((point) => point.key))].sort(), ['acc', 'best_acc', 'loss', 'x']);
    assert.ok(
      points.every((point) => point.wallTime === undefined || point.wallTime > 1.7e9),
      'wall time is _timestamp, in seconds',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("W&B SDK (real writer): a run logged as HF's WandbCallback logs it joins the output_dir its config names", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-wandb-sdk-hf-'));
  try {
    // WandbCallback.setup: wandb.init, then the TrainingArguments into the config; on_log: rewritten keys with train/global_step.
    writeOfflineRun(
      dir,
      `import wandb
run = wandb.init(project="tal")
run.config.update({"output_dir": "out", "learning_rate": 5e-05, "run_name": "out"}, allow_val_change=True)
run.define_metric("train/global_step")
run.define_metric("*", step_metric="train/global_step", step_sync=True)
run.log({"train/loss": 2.5, "train/learning_rate": 5e-05, "train/epoch": 0.5, "train/global_step": 10})
run.log({"eval/loss": 2.25, "eval/accuracy": 0.4, "train/epoch": 0.5, "train/global_step": 10})
run.log({"train/loss": 2.0, "train/epoch": 1.0, "train/global_step": 20})
run.finish()
`,
    );
    const out = join(dir, 'out');
    mkdirSync(join(out, 'checkpoint-20'), { recursive: true });
    writeFileSync(
      join(out, 'checkpoint-20', 'trainer_state.json'),
      trainerStateText([
        { loss: 2.5, learning_rate: 5e-5, step: 10, epoch: 0.5 },
        { eval_loss: 2.25, eval_accuracy: 0.4, step: 10, epoch: 0.5 },
        { loss: 2.0, step: 20, epoch: 1 },
      ]),
    );
    const ingest = new LogIngest();
    for (const path of await walkLogs(dir)) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [out]);
    assert.deepEqual(ingest.store.snapshot(out)?.metrics.get('loss'), { steps: [10, 20], values: [2.5, 2.0] });
    assert.deepEqual(ingest.store.snapshot(out)?.metrics.get('eval_loss'), { steps: [10], values: [2.25] });
    ingest.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('W&B SDK (real writer): a run resumed offline is one run whose rows go on, none replaced', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-wandb-sdk-resume-'));
  try {
    writeOfflineRun(
      dir,
      `import wandb
for part in range(2):
    run = wandb.init(project="tal", id="resumeme", resume="allow")
    for i in range(3):
        run.log({"loss": part + i / 10})
    run.finish()
`,
    );
    const ingest = new LogIngest();
    for (const path of await walkLogs(dir)) await ingest.ingest(path);
    const runs = ingest.store.runIds();
    assert.equal(runs.length, 1, runs.join(', '));
    assert.deepEqual(ingest.store.snapshot(runs[0] ?? '')?.metrics.get('loss'), { steps: [0, 1, 2, 3, 4, 5], values: [0, 0.1, 0.2, 1, 1.1, 1.2] });
    ingest.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
