import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import { trainerStateText } from './helpers';
import { configRecord, exitRecord, historyRecord, runRecord, wandbFile } from './wandbWriter';

/** What an HF training with `report_to="wandb"` leaves: the callback's config (its TrainingArguments) and rows at each log. */
function hfWandbRun(outputDir: string | undefined, inConfigYaml = false): Uint8Array {
  return wandbFile([
    runRecord('', {}),
    ...(outputDir === undefined || inConfigYaml ? [] : [configRecord({ output_dir: outputDir, learning_rate: 5e-5 })]),
    historyRecord({ 'train/loss': 2.5, 'train/global_step': 10, 'train/epoch': 0.5, _step: 0 }, 0),
    historyRecord({ 'eval/loss': 2.25, 'eval/accuracy': 0.4, 'train/global_step': 10, 'train/epoch': 0.5, _step: 1 }, 1),
    historyRecord({ 'train/loss': 2.0, 'train/global_step': 20, 'train/epoch': 1, _step: 2 }, 2),
    exitRecord(),
  ]).bytes;
}

function writeWandbRun(wandbParent: string, bytes: Uint8Array, configYaml?: string): string {
  const run = join(wandbParent, 'wandb', 'offline-run-20250101_000000-hf12ab');
  mkdirSync(join(run, 'files'), { recursive: true });
  writeFileSync(join(run, 'run-hf12ab.wandb'), bytes);
  if (configYaml !== undefined) writeFileSync(join(run, 'files', 'config.yaml'), configYaml);
  return run;
}

function writeOutputDir(out: string): void {
  mkdirSync(join(out, 'checkpoint-20'), { recursive: true });
  writeFileSync(
    join(out, 'checkpoint-20', 'trainer_state.json'),
    trainerStateText([
      { loss: 2.5, step: 10, epoch: 0.5 },
      { eval_loss: 2.25, eval_accuracy: 0.4, step: 10, epoch: 0.5 },
      { loss: 2.0, step: 20, epoch: 1 },
    ]),
  );
}

async function read(root: string): Promise<LogIngest> {
  const ingest = new LogIngest();
  for (const path of await walkLogs(root)) await ingest.ingest(path);
  return ingest;
}

const LAYOUTS: ReadonlyArray<{ name: string; wandbParent: (root: string) => string; outputDir: string }> = [
  { name: 'beside the output_dir (the default wandb/ in the working folder)', wandbParent: (root) => root, outputDir: 'out' },
  { name: 'inside it (WANDB_DIR=out)', wandbParent: (root) => join(root, 'out'), outputDir: 'out' },
  { name: 'in a folder below the working folder (wandb.init(dir="logs/wb"))', wandbParent: (root) => join(root, 'logs', 'wb'), outputDir: './out/' },
  { name: 'anywhere, with an absolute output_dir', wandbParent: (root) => join(root, 'elsewhere'), outputDir: '' },
];

for (const layout of LAYOUTS) {
  test(`the W&B run of an HF training joins its output_dir run, ${layout.name}: every number once`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tal-wandb-hf-'));
    const out = join(root, 'out');
    writeOutputDir(out);
    writeWandbRun(layout.wandbParent(root), hfWandbRun(layout.outputDir === '' ? out : layout.outputDir));
    const ingest = await read(root);
    try {
      assert.deepEqual(ingest.store.runIds(), [out]);
      const run = ingest.store.snapshot(out);
      assert.deepEqual(run?.metrics.get('loss'), { steps: [10, 20], values: [2.5, 2.0] });
      assert.deepEqual(run?.metrics.get('eval_accuracy'), { steps: [10], values: [0.4] });
      assert.equal(run?.sources.length, 2);
      assert.equal(ingest.runInfo(out)?.parameters?.['learning_rate'], 5e-5);
    } finally {
      ingest.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("an older SDK's files/config.yaml names the output_dir ({desc, value}) when the .wandb holds no config", async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-hf-'));
  const out = join(root, 'out');
  writeOutputDir(out);
  writeWandbRun(root, hfWandbRun('out', true), 'output_dir:\n  desc: null\n  value: out/\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.5\n');
  const ingest = await read(root);
  try {
    assert.deepEqual(ingest.store.runIds(), [out]);
  } finally {
    ingest.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a W&B run stays its own run when its output_dir holds no trainer state, or it names none', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-hf-'));
  mkdirSync(join(root, 'out'));
  const named = writeWandbRun(root, hfWandbRun('out'));
  const other = join(root, 'second');
  const unnamed = writeWandbRun(other, hfWandbRun(undefined));
  const ingest = await read(root);
  try {
    assert.deepEqual(ingest.store.runIds(), [named, unnamed].sort());
  } finally {
    ingest.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('live: a W&B run read before the first checkpoint joins the output_dir when its trainer state appears', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-hf-'));
  const out = join(root, 'out');
  mkdirSync(out);
  const wandbRun = writeWandbRun(root, hfWandbRun('out'));
  const ingest = new LogIngest();
  try {
    for (const path of await walkLogs(root)) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [wandbRun]);
    writeOutputDir(out);
    await ingest.ingest(join(out, 'checkpoint-20', 'trainer_state.json'));
    // The history is read again under the output_dir: wait for that read.
    for (const path of await walkLogs(root)) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [out]);
    assert.deepEqual(ingest.store.snapshot(out)?.metrics.get('loss'), { steps: [10, 20], values: [2.5, 2.0] });
  } finally {
    ingest.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
