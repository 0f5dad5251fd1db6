import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunSession } from '../../src/node/runSession';
import { eventFile } from './tfeventsWriter';
import { waitFor } from './sessionWait';

test('watched live: console lines, Keras split event files and an HF run whose trainer state appears later', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-live-'));
  const nanogpt = join(root, 'nanogpt', 'log');
  const keras = join(root, 'keras', 'fit');
  const hf = join(root, 'hf-out');
  mkdirSync(nanogpt, { recursive: true });
  mkdirSync(join(keras, 'train'), { recursive: true });
  mkdirSync(join(keras, 'validation'), { recursive: true });
  mkdirSync(join(hf, 'runs', 'Nov02_21-48-09_host'), { recursive: true });
  writeFileSync(join(nanogpt, 'log.txt'), '0 val 11.0864\n0 train 11.087302\n');
  writeFileSync(join(keras, 'train', 'events.out.tfevents.1.host.1.0.v2'), eventFile([{ step: 0, values: [{ tag: 'epoch_loss', content: 0.9 }] }]));
  writeFileSync(join(keras, 'validation', 'events.out.tfevents.1.host.1.1.v2'), eventFile([{ step: 0, values: [{ tag: 'epoch_loss', content: 1.1 }] }]));
  const hfEvents = join(hf, 'runs', 'Nov02_21-48-09_host', 'events.out.tfevents.1.host.1.0');
  writeFileSync(hfEvents, eventFile([{ step: 10, values: [{ tag: 'eval/loss', simple: 2.5 }] }]));
  const session = new RunSession(() => undefined);
  const steps = (run: string, key: string): readonly number[] => session.store.snapshot(run)?.metrics.get(key)?.steps ?? [];
  try {
    await session.watch([root]);
    await waitFor(
      session,
      () =>
        steps(nanogpt, 'val_loss').length === 1 &&
        steps(keras, 'validation/epoch_loss').length === 1 &&
        steps(join(hf, 'runs', 'Nov02_21-48-09_host'), 'eval/loss').length === 1,
    );
    assert.deepEqual(session.store.snapshot(keras)?.metrics.get('train/epoch_loss'), { steps: [0], values: [Math.fround(0.9)] });

    appendFileSync(join(nanogpt, 'log.txt'), '1 train 10.97');
    appendFileSync(join(nanogpt, 'log.txt'), '4887\n250 val 6.0727\n');
    const consoleMs = await waitFor(session, () => steps(nanogpt, 'val_loss').length === 2 && steps(nanogpt, 'train_loss').length === 2);
    assert.deepEqual(session.store.snapshot(nanogpt)?.metrics.get('train_loss'), { steps: [0, 1], values: [11.087302, 10.974887] });

    appendFileSync(join(keras, 'validation', 'events.out.tfevents.1.host.1.1.v2'), eventFile([{ step: 1, values: [{ tag: 'epoch_loss', content: 1.0 }] }]));
    const kerasMs = await waitFor(session, () => steps(keras, 'validation/epoch_loss').length === 2);

    writeFileSync(join(hf, 'trainer_state.json'), JSON.stringify({ global_step: 10, log_history: [{ eval_loss: 2.5, step: 10 }] }));
    const joinMs = await waitFor(
      session,
      () => session.store.runIds().includes(hf) && !session.store.runIds().includes(join(hf, 'runs', 'Nov02_21-48-09_host')),
    );
    assert.deepEqual(session.store.snapshot(hf)?.metrics.get('eval_loss'), { steps: [10], values: [2.5] });
    appendFileSync(hfEvents, eventFile([{ step: 20, values: [{ tag: 'eval/loss', simple: 2.25 }] }]));
    const hfMs = await waitFor(session, () => steps(hf, 'eval_loss').length === 2);
    for (const [what, ms] of Object.entries({ consoleMs, kerasMs, joinMs, hfMs })) assert.ok(ms < 1000, `${what}: ${ms.toFixed(0)} ms`);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true });
  }
});
