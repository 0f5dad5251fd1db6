import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogIngest } from '../../src/node/logIngest';
import { trainerStateText } from './helpers';
import { eventFile } from './tfeventsWriter';

const EVENTS = 'events.out.tfevents.1698932980.host.1.0';

/** An HF output_dir: trainer_state.json, and the TensorBoardCallback's events under runs/<name>/. */
function hfOutputDir(withState: boolean): { dir: string; out: string; events: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tal-hf-'));
  const out = join(dir, 'out');
  mkdirSync(join(out, 'runs', 'Nov02_21-48-09_host'), { recursive: true });
  const events = join(out, 'runs', 'Nov02_21-48-09_host', EVENTS);
  writeFileSync(
    events,
    eventFile([
      { wallTime: 1, fileVersion: 'brain.Event:2' },
      {
        wallTime: 2,
        step: 10,
        values: [
          { tag: 'train/loss', simple: 1.9963 },
          { tag: 'train/epoch', simple: 0.5 },
        ],
      },
      {
        wallTime: 3,
        step: 10,
        values: [
          { tag: 'eval/loss', simple: 2.25 },
          { tag: 'eval/mean_token_accuracy', simple: 0.4 },
        ],
      },
      { wallTime: 4, step: 20, values: [{ tag: 'train/loss', simple: 1.5 }] },
    ]),
  );
  const state = join(out, 'trainer_state.json');
  if (withState)
    writeFileSync(
      state,
      trainerStateText([
        { loss: 1.9963, step: 10, epoch: 0.5 },
        { eval_loss: 2.25, eval_mean_token_accuracy: 0.4, step: 10, epoch: 0.5 },
      ]),
    );
  return { dir, out, events, state };
}

test('an HF run: trainer_state.json and its tfevents are one run, each number once, the exact value winning', async () => {
  for (const stateFirst of [true, false]) {
    const { dir, out, events, state } = hfOutputDir(true);
    const ingest = new LogIngest();
    for (const path of stateFirst ? [state, events] : [events, state]) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [out]);
    const run = ingest.store.snapshot(out);
    // Step 20 is only in the events file (the state is from the last checkpoint); 1.9963 is exact, not float32's 1.99629998.
    assert.deepEqual(run?.metrics.get('loss'), { steps: [10, 20], values: [1.9963, 1.5] });
    assert.deepEqual(run?.metrics.get('eval_loss'), { steps: [10], values: [2.25] });
    assert.deepEqual(run?.metrics.get('eval_mean_token_accuracy'), { steps: [10], values: [0.4] });
    assert.deepEqual([...(run?.metrics.keys() ?? [])], ['eval_loss', 'eval_mean_token_accuracy', 'loss']);
    rmSync(dir, { recursive: true });
  }
});

test('tfevents read before the first checkpoint is its own run, and joins the output_dir when trainer_state.json appears', async () => {
  const { dir, out, events, state } = hfOutputDir(false);
  const changes: string[][] = [];
  const ingest = new LogIngest((ids) => changes.push([...ids]));
  await ingest.ingest(events);
  const runFolder = join(out, 'runs', 'Nov02_21-48-09_host');
  assert.deepEqual(ingest.store.runIds(), [runFolder]);
  assert.deepEqual(ingest.store.snapshot(runFolder)?.metrics.get('train/loss')?.steps, [10, 20]);
  writeFileSync(state, trainerStateText([{ loss: 1.9963, step: 10 }]));
  await ingest.ingest(state);
  await ingest.ingest(events);
  assert.deepEqual(ingest.store.runIds(), [out]);
  assert.deepEqual(ingest.store.snapshot(out)?.metrics.get('loss'), { steps: [10, 20], values: [1.9963, 1.5] });
  assert.ok(
    changes.some((ids) => ids.includes(runFolder)),
    'the emptied run is announced so views drop it',
  );
  rmSync(dir, { recursive: true });
});

test('a plain PyTorch runs/<date> folder with no trainer state beside it stays its own run with its own keys', async () => {
  const { dir, out, events } = hfOutputDir(false);
  writeFileSync(join(out, 'train.py'), 'print(1)\n');
  const ingest = new LogIngest();
  await ingest.ingest(events);
  const runFolder = join(out, 'runs', 'Nov02_21-48-09_host');
  assert.deepEqual([...(ingest.store.snapshot(runFolder)?.metrics.keys() ?? [])], ['eval/loss', 'eval/mean_token_accuracy', 'train/epoch', 'train/loss']);
  rmSync(dir, { recursive: true });
});

test('live: records appended to an events file arrive; a half-written record waits for the rest', async () => {
  const { dir, events } = hfOutputDir(false);
  const runFolder = join(dir, 'out', 'runs', 'Nov02_21-48-09_host');
  const ingest = new LogIngest();
  await ingest.ingest(events);
  const next = eventFile([
    { wallTime: 5, step: 30, values: [{ tag: 'train/loss', simple: 1.25 }] },
    { wallTime: 6, step: 40, values: [{ tag: 'train/loss', simple: 1 }] },
  ]);
  const firstRecord = next.length / 2;
  appendFileSync(events, next.subarray(0, firstRecord + 7));
  await ingest.ingest(events);
  assert.deepEqual(ingest.store.snapshot(runFolder)?.metrics.get('train/loss'), { steps: [10, 20, 30], values: [Math.fround(1.9963), 1.5, 1.25] });
  appendFileSync(events, next.subarray(firstRecord + 7));
  await ingest.ingest(events);
  assert.deepEqual(ingest.store.snapshot(runFolder)?.metrics.get('train/loss')?.steps, [10, 20, 30, 40]);
  assert.deepEqual(ingest.problems(), []);
  rmSync(dir, { recursive: true });
});

test("results files sit at the run's last step, and move when the run goes on", async () => {
  const { dir, out, events, state } = hfOutputDir(true);
  const results = join(out, 'all_results.json');
  writeFileSync(results, JSON.stringify({ epoch: 1, eval_loss: 2.125, perplexity: 8.37 }, null, 4));
  const ingest = new LogIngest();
  await ingest.ingest(results);
  assert.deepEqual(ingest.store.snapshot(out)?.metrics.get('perplexity'), { steps: [0], values: [8.37] });
  await ingest.ingest(state);
  await ingest.ingest(events);
  const run = ingest.store.snapshot(out);
  assert.deepEqual(run?.metrics.get('perplexity'), { steps: [20], values: [8.37] });
  assert.deepEqual(run?.metrics.get('eval_loss'), { steps: [10, 20], values: [2.25, 2.125] });
  rmSync(dir, { recursive: true });
});

test('a console log beside trainer_state.json gives only the log_metrics values it alone holds, at the last step; elsewhere it is read whole', async () => {
  const { dir, out, state } = hfOutputDir(true);
  // The eval block repeats eval_loss rounded, which the state holds exactly at the same step, and adds eval_samples.
  const consoleLog =
    "[INFO|trainer.py:2409] >> ***** Running training *****\n{'loss': 1.9963, 'epoch': 0.5}\n***** eval metrics *****\n  epoch        =    0.5\n  eval_loss    =  2.2501\n  eval_samples =    640\n";
  writeFileSync(join(out, 'train.log'), consoleLog);
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(join(dir, 'elsewhere', 'train.log'), consoleLog);
  const ingest = new LogIngest();
  for (const path of [join(out, 'train.log'), state, join(dir, 'elsewhere', 'train.log')]) await ingest.ingest(path);
  const run = ingest.store.snapshot(out);
  assert.deepEqual(run?.sources.map((source) => source.format).sort(), ['console-metrics', 'hf-trainer-state']);
  assert.deepEqual(run?.metrics.get('loss'), { steps: [10], values: [1.9963] });
  assert.deepEqual(run?.metrics.get('eval_loss'), { steps: [10], values: [2.25] });
  assert.deepEqual(run?.metrics.get('eval_samples'), { steps: [10], values: [640] });
  assert.deepEqual(ingest.store.snapshot(join(dir, 'elsewhere'))?.metrics.get('loss'), { steps: [1], values: [1.9963] });
  rmSync(dir, { recursive: true });
});

test("a W&B run's output.log gives only its log_metrics values when the run has its .wandb history, and is read whole when it has none", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-wandb-'));
  const consoleLog = "{'loss': 0.294, 'learning_rate': 2.66e-06, 'epoch': 0.87}\n***** train metrics *****\n  train_samples =  18449\n";
  for (const [run, history] of [
    ['run-20240505_113706-aaaa', true],
    ['offline-run-20240505_113706-bbbb', false],
  ] as const) {
    mkdirSync(join(dir, 'wandb', run, 'files'), { recursive: true });
    writeFileSync(join(dir, 'wandb', run, 'files', 'output.log'), consoleLog);
    if (history) writeFileSync(join(dir, 'wandb', run, `${run.slice(-4)}.wandb`), '');
  }
  const ingest = new LogIngest();
  await ingest.ingest(join(dir, 'wandb', 'run-20240505_113706-aaaa', 'files', 'output.log'));
  await ingest.ingest(join(dir, 'wandb', 'offline-run-20240505_113706-bbbb', 'files', 'output.log'));
  const withHistory = ingest.store.snapshot(join(dir, 'wandb', 'run-20240505_113706-aaaa'));
  assert.deepEqual([...(withHistory?.metrics.keys() ?? [])], ['train_samples']);
  assert.deepEqual(ingest.store.snapshot(join(dir, 'wandb', 'offline-run-20240505_113706-bbbb'))?.metrics.get('loss'), { steps: [1], values: [0.294] });
  rmSync(dir, { recursive: true });
});

test('a LLaMA-Factory console read before its trainer_log.jsonl existed loses its dicts when the JSONL log is read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-llamafactory-'));
  writeFileSync(join(dir, 'running_log.txt'), "[INFO|2025-03-06 08:43:29] logging.py:157 >> start\n{'loss': 2.0905, 'epoch': 0.44}\n");
  const changes: string[][] = [];
  const ingest = new LogIngest((ids) => changes.push([...ids]));
  await ingest.ingest(join(dir, 'running_log.txt'));
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [1], values: [2.0905] });
  writeFileSync(join(dir, 'trainer_log.jsonl'), '{"current_steps": 5, "total_steps": 240, "loss": 2.0905, "epoch": 0.44}\n');
  await ingest.ingest(join(dir, 'trainer_log.jsonl'));
  await ingest.ingest(join(dir, 'running_log.txt'));
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [5], values: [2.0905] });
  assert.deepEqual(
    ingest.store
      .snapshot(dir)
      ?.sources.map((source) => source.format)
      .sort(),
    ['console-metrics', 'jsonl'],
  );
  rmSync(dir, { recursive: true });
});
