import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunSession } from '../../src/node/runSession';
import { waitFor } from './sessionWait';

test('a watched folder: runs appear, grow, and survive their folder being deleted', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-session-'));
  mkdirSync(join(root, 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'pkg', 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', 'metrics.jsonl'), '{"step": 1, "eval_loss": 2}\n');
  const errors: string[] = [];
  const session = new RunSession((message) => errors.push(message));
  try {
    await session.watch([root]);
    await waitFor(session, () => session.store.snapshot(join(root, 'a')) !== undefined);
    assert.deepEqual(session.store.runIds(), [join(root, 'a')], 'node_modules is never read');
    assert.equal(session.label(join(root, 'a')), 'a');

    appendFileSync(join(root, 'a', 'metrics.jsonl'), '{"step": 2, "eval_loss": 1.5}\n');
    await waitFor(session, () => session.store.snapshot(join(root, 'a'))?.metrics.get('eval_loss')?.steps.length === 2);

    mkdirSync(join(root, 'b', 'checkpoint-10'), { recursive: true });
    writeFileSync(join(root, 'b', 'checkpoint-10', 'trainer_state.json'), JSON.stringify({ log_history: [{ step: 10, eval_loss: 3 }] }));
    await waitFor(session, () => session.store.snapshot(join(root, 'b')) !== undefined);
    assert.deepEqual(session.recentlyChanged().at(-1), join(root, 'b'));

    rmSync(join(root, 'a'), { recursive: true });
    await waitFor(session, () => session.problems().some((problem) => problem.path === join(root, 'a', 'metrics.jsonl')));
    assert.match(
      session.problems().find((problem) => problem.path === join(root, 'a', 'metrics.jsonl'))?.message ?? '',
      /deleted; what was read from it is kept/,
    );
    assert.deepEqual(session.store.snapshot(join(root, 'a'))?.metrics.get('eval_loss')?.values, [2, 1.5], 'points complete on disk are kept');
    assert.deepEqual(errors, []);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('watching a folder that does not exist is not an error, and it is read once it appears', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-session-'));
  const missing = join(root, 'later');
  const session = new RunSession(() => undefined);
  try {
    await session.watch([missing]);
    mkdirSync(missing);
    writeFileSync(join(missing, 'log.jsonl'), '{"step": 1, "loss": 1}\n');
    await waitFor(session, () => session.store.runIds().length === 1);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a watched root that is deleted and created again (a restarted output_dir) is watched again', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tal-session-'));
  const root = join(base, 'out');
  mkdirSync(root);
  writeFileSync(join(root, 'log.jsonl'), '{"step": 1, "loss": 1}\n');
  const session = new RunSession(() => undefined);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.store.runIds().length === 1);
    rmSync(root, { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    mkdirSync(root);
    writeFileSync(join(root, 'log.jsonl'), '{"step": 1, "loss": 5}\n{"step": 2, "loss": 4}\n');
    await waitFor(session, () => session.store.snapshot(root)?.metrics.get('loss')?.steps.length === 2);
    assert.deepEqual(session.store.snapshot(root)?.metrics.get('loss')?.values, [5, 4]);
  } finally {
    await session.dispose();
    rmSync(base, { recursive: true, force: true });
  }
});

test('the most recently written run comes last, whatever order the files were read in', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-session-'));
  for (const [name, seconds] of [
    ['new', 2_000_000_000],
    ['old', 1_000_000_000],
  ] as const) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'log.jsonl'), '{"step": 1, "loss": 1}\n');
    utimesSync(join(root, name, 'log.jsonl'), seconds, seconds);
  }
  const session = new RunSession(() => undefined);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.store.runIds().length === 2);
    assert.deepEqual(session.recentlyChanged(), [join(root, 'old'), join(root, 'new')]);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a write that lands just after another is read, though the watcher reports only the first', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-session-'));
  const path = join(root, 'metrics.jsonl');
  writeFileSync(path, '{"step": 1, "eval_loss": 2}\n');
  const session = new RunSession(() => undefined);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.store.snapshot(root)?.metrics.get('eval_loss')?.steps.length === 1);
    appendFileSync(path, '{"step": 2, "eval_loss": 1.9}\n');
    await waitFor(session, () => session.store.snapshot(root)?.metrics.get('eval_loss')?.steps.length === 2);
    // The last line of a run, written a few milliseconds after the one before: no later write will announce it.
    appendFileSync(path, '{"step": 3, "eval_loss": 1.8}\n');
    await waitFor(session, () => session.store.snapshot(root)?.metrics.get('eval_loss')?.steps.length === 3);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
