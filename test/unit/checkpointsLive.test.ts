import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunSession } from '../../src/node/runSession';
import { buildRunReport } from '../../src/core/report';
import { waitFor } from './sessionWait';

const steps = [64, 128, 192, 256, 320, 384, 448, 512, 576, 640];
const loss = [1.2, 1.05, 1.0, 1.02, 1.06, 1.1, 1.15, 1.2, 1.26, 1.3];
const accuracy = [0.5, 0.55, 0.57, 0.6, 0.62, 0.64, 0.66, 0.68, 0.67, 0.665];

test('an HF output_dir: a checkpoint folder deleted during training changes warning (e) live', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-checkpoints-'));
  const run = join(root, 'out');
  mkdirSync(run);
  const logHistory = steps.map((step, i) => ({ step, eval_loss: loss[i], eval_mean_token_accuracy: accuracy[i] }));
  writeFileSync(join(run, 'trainer_state.json'), JSON.stringify({ global_step: 640, log_history: logHistory }));
  for (const step of [192, 512, 640]) {
    mkdirSync(join(run, `checkpoint-${step}`));
    writeFileSync(join(run, `checkpoint-${step}`, 'config.json'), '{}');
  }
  const session = new RunSession(() => undefined);
  const disagreement = (): string | undefined => {
    const snapshot = session.store.snapshot(run);
    return snapshot && buildRunReport(snapshot, {}, session.runInfo(run)).warnings.find((w) => w.kind === 'checkpoint-disagreement')?.message;
  };
  try {
    await session.watch([root]);
    await waitFor(session, () => session.runInfo(run)?.checkpoints?.length === 3);
    assert.deepEqual(session.runInfo(run)?.checkpoints, [192, 512, 640]);
    assert.match(disagreement() ?? '', /not the best by token accuracy \(step 512\)/);
    assert.doesNotMatch(disagreement() ?? '', /folder/, 'the best by accuracy is on disk: nothing to add');

    rmSync(join(run, 'checkpoint-512'), { recursive: true });
    await waitFor(session, () => session.runInfo(run)?.checkpoints?.length === 2);
    assert.match(disagreement() ?? '', /There is no checkpoint-512 folder on disk .* the best by token accuracy is checkpoint-640 \(66\.5%\)/);

    mkdirSync(join(run, 'checkpoint-512'));
    await waitFor(session, () => session.runInfo(run)?.checkpoints?.length === 3);
    assert.doesNotMatch(disagreement() ?? '', /folder/, 'made again: the warning is as before');
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
