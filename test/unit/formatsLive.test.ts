import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lightningCsvWriter, mlflowWriter, tensorboardWriter } from '../../scripts/logWriters.mjs';
import { RunSession } from '../../src/node/runSession';
import { waitFor } from './sessionWait';

const stepsOf = (session: RunSession, runId: string, key: string): readonly number[] => session.store.snapshot(runId)?.metrics.get(key)?.steps ?? [];

test('every append-only format, written live the way its trainer writes it, reaches the store within a second', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-formats-'));
  const tensorboard = tensorboardWriter(join(root, 'tb-run'));
  const lightning = lightningCsvWriter(join(root, 'lightning_logs', 'version_0'), { learning_rate: 0.001 });
  const mlflow = mlflowWriter(join(root, 'mlruns'), { runId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', runName: 'lucky-fox-7' });
  tensorboard.add('eval/loss', 10, 2.5);
  lightning.add({ epoch: 0, step: 10, val_loss: 2.5 });
  mlflow.add('eval_loss', 10, 2.5);
  const session = new RunSession(() => undefined);
  const runs = { tensorboard: join(root, 'tb-run'), lightning: join(root, 'lightning_logs', 'version_0'), mlflow: mlflow.dir };
  try {
    await session.watch([root]);
    await waitFor(
      session,
      () =>
        stepsOf(session, runs.tensorboard, 'eval/loss').length === 1 &&
        stepsOf(session, runs.lightning, 'val_loss').length === 1 &&
        stepsOf(session, runs.mlflow, 'eval_loss').length === 1,
    );
    assert.match(session.label(runs.mlflow), /lucky-fox-7/, 'the run is named as MLflow names it');

    const latencies: Record<string, number> = {};
    tensorboard.add('eval/loss', 20, 2.4);
    latencies['tensorboard'] = await waitFor(session, () => stepsOf(session, runs.tensorboard, 'eval/loss').length === 2);
    lightning.add({ epoch: 0, step: 20, val_loss: 2.4 });
    latencies['lightning'] = await waitFor(session, () => stepsOf(session, runs.lightning, 'val_loss').length === 2);
    lightning.add({ epoch: 1, step: 30, val_loss: 2.3, val_token_accuracy: 0.41 });
    latencies['lightning, new column (file rewritten)'] = await waitFor(
      session,
      () => stepsOf(session, runs.lightning, 'val_token_accuracy').length === 1 && stepsOf(session, runs.lightning, 'val_loss').length === 3,
    );
    mlflow.add('eval_loss', 20, 2.4);
    latencies['mlflow'] = await waitFor(session, () => stepsOf(session, runs.mlflow, 'eval_loss').length === 2);
    for (const [format, ms] of Object.entries(latencies)) assert.ok(ms < 1000, `${format}: the append took ${ms.toFixed(0)} ms to reach the store`);
    assert.deepEqual(
      session.store.snapshot(runs.lightning)?.metrics.get('val_loss')?.values,
      [2.5, 2.4, 2.3],
      'the rewrite lost nothing and counted nothing twice',
    );
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
