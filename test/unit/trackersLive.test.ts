import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunSession } from '../../src/node/runSession';
import { historyRecord, wandbFile } from './wandbWriter';
import { waitFor } from './sessionWait';

const RUN_UUID = 'f'.repeat(32);

test('a watched folder with Lightning, MLflow (files and SQLite) and W&B runs: each run appears and its appends arrive', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-trackers-'));
  const lightning = join(root, 'lightning_logs', 'version_0');
  const mlflowRun = join(root, 'mlruns', '1', '0123456789abcdef0123456789abcdef');
  const wandbRun = join(root, 'wandb', 'run-20250101_000000-abc');
  for (const dir of [lightning, join(mlflowRun, 'metrics'), wandbRun]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(lightning, 'metrics.csv'), 'epoch,step,val_loss\r\n0,99,2.0\r\n');
  writeFileSync(join(mlflowRun, 'metrics', 'eval_loss'), '1700000000000 2.0 100\n');
  const rows = [
    historyRecord({ 'eval/loss': 2, 'train/global_step': 100, _step: 0 }, 0),
    historyRecord({ 'eval/loss': 1.5, 'train/global_step': 200, _step: 1 }, 1),
  ];
  const { bytes, spans } = wandbFile(rows);
  const firstEnd = spans[0]?.[1] ?? 0;
  writeFileSync(join(wandbRun, 'run-abc.wandb'), bytes.subarray(0, firstEnd));
  const db = join(root, 'mlflow.db');
  const sqlite = (sql: string): void =>
    void execFileSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()', db, sql]);
  sqlite(`CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), lifecycle_stage VARCHAR(20)); CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
    CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL);
    INSERT INTO runs VALUES ('${RUN_UUID}', 'sqlite-run', 'active'); INSERT INTO metrics VALUES ('eval_loss', 2.0, 1700000000000, '${RUN_UUID}', 100, 0);`);
  const session = new RunSession(() => undefined);
  const steps = (runId: string): readonly number[] =>
    session.store.snapshot(runId)?.metrics.get('eval_loss')?.steps ?? session.store.snapshot(runId)?.metrics.get('val_loss')?.steps ?? [];
  const dbRun = `${db}#${RUN_UUID}`;
  try {
    await session.watch([root]);
    await waitFor(session, () => [lightning, mlflowRun, wandbRun, dbRun].every((id) => steps(id).length === 1));
    appendFileSync(join(lightning, 'metrics.csv'), '1,199,1.5\r\n');
    appendFileSync(join(mlflowRun, 'metrics', 'eval_loss'), '1700000001000 1.5 200\n');
    appendFileSync(join(wandbRun, 'run-abc.wandb'), bytes.subarray(firstEnd));
    sqlite(`INSERT INTO metrics VALUES ('eval_loss', 1.5, 1700000001000, '${RUN_UUID}', 200, 0);`);
    await waitFor(session, () => [lightning, mlflowRun, wandbRun, dbRun].every((id) => steps(id).length === 2));
    for (const id of [lightning, mlflowRun, wandbRun, dbRun]) assert.deepEqual([...steps(id)], id === lightning ? [99, 199] : [100, 200], id);
    assert.equal(session.runInfo(dbRun)?.name, 'sqlite-run');
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
