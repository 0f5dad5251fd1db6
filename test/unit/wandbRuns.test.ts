import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { LogIngest } from '../../src/node/logIngest';
import { reportPaths } from '../../src/node/reportPaths';
import { walkLogs } from '../../src/node/walkLogs';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';
import { historyRecord, runRecord, wandbFile } from './wandbWriter';

function runFolder(root: string, folder: string, id: string, rows: ReadonlyArray<readonly [number, number]>): string {
  const dir = join(root, 'wandb', folder);
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, `run-${id}.wandb`), wandbFile(rows.map(([step, loss]) => historyRecord({ loss }, step))).bytes);
  return dir;
}

test('a resumed W&B run (a new folder with the same run id) is one run with the history of both folders', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-resume-'));
  const first = runFolder(root, 'run-20240505_113706-abcd1234', 'abcd1234', [
    [0, 2.5],
    [1, 2.0],
    [2, 1.8],
  ]);
  // Resumed the next day, offline; the second folder's history goes on from step 3.
  const resumed = runFolder(root, 'offline-run-20240506_090000-abcd1234', 'abcd1234', [
    [3, 1.6],
    [4, 1.5],
  ]);
  writeFileSync(join(resumed, 'files', 'output.log'), "{'loss': 1.6, 'epoch': 0.5}\n***** train metrics *****\n  train_samples =  640\n");
  const other = runFolder(root, 'run-20240505_120000-zzzz9999', 'zzzz9999', [[0, 3.0]]);
  const ingest = new LogIngest();
  for (const path of await walkLogs(root)) await ingest.ingest(path);
  assert.deepEqual(ingest.store.runIds().sort(), [first, other].sort());
  const run = ingest.store.snapshot(first);
  assert.deepEqual(run?.metrics.get('loss'), { steps: [0, 1, 2, 3, 4], values: [2.5, 2.0, 1.8, 1.6, 1.5] });
  // The resumed folder's console gives only what its history lacks, as for any W&B run.
  assert.deepEqual(run?.metrics.get('train_samples')?.values, [640]);
  ingest.dispose();
  rmSync(root, { recursive: true });
});

const CONFIG_YAML =
  'wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.5\nrun_name:\n  desc: null\n  value: ckpts/\nlearning_rate:\n  desc: null\n  value: 2.0e-05\nid2label:\n  desc: null\n  value:\n    0: negative\n';

test("a W&B run is named by its config's run_name when its history gives no name, and by the history's name when it does", async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-name-'));
  const unnamed = runFolder(root, 'run-20240505_113706-aaaa1111', 'aaaa1111', [[0, 1]]);
  writeFileSync(join(unnamed, 'files', 'config.yaml'), CONFIG_YAML);
  const named = join(root, 'wandb', 'run-20240505_113706-bbbb2222');
  mkdirSync(join(named, 'files'), { recursive: true });
  writeFileSync(join(named, 'run-bbbb2222.wandb'), wandbFile([runRecord('lyrical-rat-42', {}), historyRecord({ loss: 1 }, 0)]).bytes);
  writeFileSync(join(named, 'files', 'config.yaml'), CONFIG_YAML);
  const ingest = new LogIngest();
  // The config is read after the history, as when W&B rewrites it at the end of a run.
  for (const path of (await walkLogs(root)).sort((a, b) => Number(a.endsWith('.yaml')) - Number(b.endsWith('.yaml')))) await ingest.ingest(path);
  assert.deepEqual(ingest.runInfo(unnamed), { name: 'ckpts/', parameters: { run_name: 'ckpts/', learning_rate: 2e-5 } });
  assert.equal(ingest.runInfo(named)?.name, 'lyrical-rat-42');
  ingest.dispose();
  rmSync(root, { recursive: true });
});

test('the real W&B sample, an HF run whose history gives no name, is named by its run_name', { skip: samplesSkipReason('wandb') }, async () => {
  const document = await reportPaths([join(SAMPLES_DIR, 'wandb')]);
  assert.deepEqual(
    document.runs.map((run) => run.info?.name),
    ['ckpts/'],
  );
});

test("an offline resume numbers its rows from 0 again: they go on after the earlier folder's last step, as W&B numbers them when synced", async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-resume-'));
  // wandb 0.30 offline: the resumed folder took the same second's name with "-1"; its rows carry steps 0, 1, 2 again.
  const first = runFolder(root, 'offline-run-20261202_165346-resumeme', 'resumeme', [
    [0, 2.5],
    [1, 2.0],
    [2, 1.8],
  ]);
  runFolder(root, 'offline-run-20261202_165346-resumeme-1', 'resumeme', [
    [0, 1.6],
    [1, 1.5],
    [2, 1.4],
  ]);
  runFolder(root, 'offline-run-20261203_080000-resumeme', 'resumeme', [[0, 1.3]]);
  const ingest = new LogIngest();
  for (const path of (await walkLogs(root)).reverse()) await ingest.ingest(path);
  assert.deepEqual(ingest.store.runIds(), [first]);
  assert.deepEqual(ingest.store.snapshot(first)?.metrics.get('loss'), { steps: [0, 1, 2, 3, 4, 5, 6], values: [2.5, 2.0, 1.8, 1.6, 1.5, 1.4, 1.3] });
  ingest.dispose();
  rmSync(root, { recursive: true });
});
