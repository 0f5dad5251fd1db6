import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import { historyRecord, wandbFile } from './wandbWriter';

function runFolder(root: string, folder: string, id: string, rows: ReadonlyArray<readonly [number, number]>): string {
  const dir = join(root, 'wandb', folder);
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, `run-${id}.wandb`), wandbFile(rows.map(([step, loss]) => historyRecord({ loss }, step))).bytes);
  return dir;
}

test('a resumed W&B run (a new folder with the same run id) is one run with the history of both folders', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-wandb-resume-'));
  const first = runFolder(root, 'run-20240505_113706-abcd1234', 'abcd1234', [[0, 2.5], [1, 2.0], [2, 1.8]]);
  // Resumed the next day, offline; the second folder's history goes on from step 3.
  const resumed = runFolder(root, 'offline-run-20240506_090000-abcd1234', 'abcd1234', [[3, 1.6], [4, 1.5]]);
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
