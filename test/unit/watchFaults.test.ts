import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { reportPaths } from '../../src/node/reportPaths';
import { RunSession } from '../../src/node/runSession';
import type { WatcherFactory } from '../../src/node/logWatcher';
import { waitFor } from './sessionWait';

/** chokidar, remembering each watcher it made and whether it polls. */
function recordingFactory(onCreate: (watcher: FSWatcher, polling: boolean) => void = () => undefined): {
  factory: WatcherFactory;
  made: { watcher: FSWatcher; polling: boolean }[];
} {
  const made: { watcher: FSWatcher; polling: boolean }[] = [];
  const factory: WatcherFactory = (root, options) => {
    const watcher = watch(root, options);
    made.push({ watcher, polling: options.usePolling === true });
    onCreate(watcher, options.usePolling === true);
    return watcher;
  };
  return { factory, made };
}

test('out of inotify watches (ENOSPC), the root is polled, the panel and status bar are told the fix, and later files are still read', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-faults-'));
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', 'metrics.jsonl'), '{"step": 1, "eval_loss": 2}\n');
  // What chokidar reports when fs.watch throws for lack of watches; the system limit itself needs root to lower and is shared by the machine.
  const { factory, made } = recordingFactory((watcher, polling) => {
    if (!polling)
      watcher.once('ready', () =>
        watcher.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })),
      );
  });
  const errors: string[] = [];
  const session = new RunSession((message) => errors.push(message), undefined, {}, undefined, factory);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.pollingRoots().length === 1);
    assert.deepEqual(session.pollingRoots(), [root]);
    const notice = session.problems().find((problem) => problem.path === root);
    assert.match(notice?.message ?? '', /polling every 2 s/);
    assert.match(notice?.message ?? '', /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
    assert.match(errors.join('\n'), /ENOSPC/, 'the output channel keeps the cause too');
    assert.deepEqual(
      made.map((entry) => entry.polling),
      [false, true],
    );
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'metrics.jsonl'), '{"step": 1, "eval_loss": 3}\n');
    await waitFor(session, () => session.store.snapshot(join(root, 'b')) !== undefined);
    assert.deepEqual(session.store.snapshot(join(root, 'a'))?.metrics.get('eval_loss')?.values, [2]);
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a rescan watches natively again and clears the polling notice', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-faults-'));
  writeFileSync(join(root, 'metrics.jsonl'), '{"step": 1, "eval_loss": 2}\n');
  let failures = 1;
  const { factory } = recordingFactory((watcher, polling) => {
    if (!polling && failures-- > 0)
      watcher.once('ready', () => watcher.emit('error', Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })));
  });
  const session = new RunSession(() => undefined, undefined, {}, undefined, factory);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.pollingRoots().length === 1);
    assert.match(session.problems().find((problem) => problem.path === root)?.message ?? '', /EMFILE.*max_user_instances/);
    await session.restart();
    assert.deepEqual(session.pollingRoots(), []);
    assert.equal(
      session.problems().find((problem) => problem.path === root),
      undefined,
    );
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a dataset folder costs a watch per folder, none per image', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-faults-'));
  mkdirSync(join(root, 'run'));
  writeFileSync(join(root, 'run', 'metrics.jsonl'), '{"step": 1, "eval_loss": 2}\n');
  for (const split of ['train', 'val']) {
    mkdirSync(join(root, 'data', split), { recursive: true });
    for (let i = 0; i < 1000; i++) writeFileSync(join(root, 'data', split, `${i}.png`), '');
  }
  writeFileSync(join(root, 'data', 'README.md'), 'not a log\n');
  const { factory, made } = recordingFactory();
  const session = new RunSession(() => undefined, undefined, {}, undefined, factory);
  try {
    await session.watch([root]);
    await waitFor(session, () => session.store.snapshot(join(root, 'run')) !== undefined);
    const watched = made[0]?.watcher.getWatched() ?? {};
    const entries = Object.entries(watched).flatMap(([folder, names]) => names.map((name) => join(folder, name)));
    assert.deepEqual(
      entries.filter((path) => path.startsWith(root)).sort(),
      [root, join(root, 'data'), join(root, 'data', 'train'), join(root, 'data', 'val'), join(root, 'run'), join(root, 'run', 'metrics.jsonl')],
      'folders and logs only',
    );
  } finally {
    await session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a folder of many candidate logs is listed once per scan, not once per candidate', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-faults-'));
  for (let i = 0; i < 300; i++) writeFileSync(join(root, `note-${i}.txt`), 'not a training log\n');
  writeFileSync(join(root, 'train.log'), "{'loss': 1.5, 'epoch': 1.0}\n");
  // The module object itself, which the code under test calls through.
  const fs = createRequire(__filename)('node:fs/promises') as { readdir: (...args: unknown[]) => Promise<unknown> };
  const readdir = fs.readdir;
  const listed = new Map<string, number>();
  fs.readdir = (...args: unknown[]) => {
    listed.set(String(args[0]), (listed.get(String(args[0])) ?? 0) + 1);
    return readdir(...args);
  };
  try {
    const document = await reportPaths([root]);
    assert.ok(document.runs.length <= 1);
    // Once by the walker, once for the plans (a trainer_state.json, checkpoints or a W&B history beside the logs).
    assert.ok((listed.get(root) ?? 0) <= 2, `listed ${listed.get(root)} times`);
  } finally {
    fs.readdir = readdir;
    rmSync(root, { recursive: true, force: true });
  }
});
