import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '../../../dist/cli.js');
/** Generous: only a hang (or a change never reported) reaches it; no test measures speed. */
const HANG_MS = 30_000;

interface Line {
  readonly type: string;
  readonly path?: string;
  readonly message?: string;
  readonly run?: { readonly id: string; readonly metrics: Record<string, { steps: number[]; values: (number | null)[] }> };
}

/** `token-accuracy-lens watch <root> --json` in a child process, its lines parsed as they come. */
class WatchProcess {
  readonly lines: Line[] = [];
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private buffered = '';
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(paths: readonly string[]) {
    this.child = spawn(process.execPath, [CLI, 'watch', ...paths, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffered += chunk;
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) this.lines.push(JSON.parse(line) as Line);
      for (const waiter of this.waiters) waiter();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The first line (from `from` on) that satisfies `check`; a hang fails with every line seen. */
  waitFor(what: string, check: (line: Line) => boolean, from = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const at = this.lines.findIndex((line, i) => i >= from && check(line));
        if (at < 0) return false;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(at);
        return true;
      };
      const waiter = (): void => void look();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${HANG_MS / 1000} s; lines: ${JSON.stringify(this.lines).slice(0, 4000)}; stderr: ${this.stderr}`));
      }, HANG_MS);
      if (!look()) this.waiters.add(waiter);
    });
  }

  waitForRun(id: string, values: readonly number[], key = 'eval_loss', from = 0): Promise<number> {
    return this.waitFor(
      `run ${id} with ${key} ${JSON.stringify(values)}`,
      (line) => line.run?.id === id && JSON.stringify(line.run.metrics[key]?.values) === JSON.stringify(values),
      from,
    );
  }

  /** Ctrl+C (or a SIGTERM): the watch must end by itself, with status 0. */
  async interrupt(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), HANG_MS);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  runIds(): Set<string> {
    return new Set(this.lines.flatMap((line) => (line.run === undefined ? [] : [line.run.id])));
  }
}

function log(...values: number[]): string {
  return values.map((value, i) => JSON.stringify({ step: i + 1, eval_loss: value }) + '\n').join('');
}

test('watch: a run folder deleted and made again at once is read again, however often', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  const run = join(root, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'metrics.jsonl'), log(9));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitForRun(run, [9]);
    // rmtree + makedirs, as a restarted training does: no pause between them.
    rmSync(run, { recursive: true });
    mkdirSync(run);
    writeFileSync(join(run, 'metrics.jsonl'), log(5, 4));
    const seen = await watch.waitForRun(run, [5, 4]);
    // A file the new folder gains later (the old folder's watch would never see it).
    writeFileSync(join(run, 'accuracy.jsonl'), JSON.stringify({ step: 2, eval_accuracy: 0.5 }) + '\n');
    await watch.waitForRun(run, [0.5], 'eval_accuracy', seen);
    // Several times in a row, faster than any watcher event.
    for (let round = 0; round < 5; round++) {
      rmSync(run, { recursive: true });
      mkdirSync(run);
      writeFileSync(join(run, 'metrics.jsonl'), log(round));
    }
    const last = await watch.waitForRun(run, [4]);
    mkdirSync(join(run, 'checkpoint-1'));
    writeFileSync(join(run, 'checkpoint-1', 'accuracy.jsonl'), JSON.stringify({ step: 1, eval_accuracy: 0.7 }) + '\n');
    await watch.waitFor("the new folder's new run", (line) => line.run?.id === join(run, 'checkpoint-1'), last);
    appendFileSync(join(run, 'metrics.jsonl'), JSON.stringify({ step: 2, eval_loss: 0.5 }) + '\n');
    await watch.waitForRun(run, [4, 0.5], 'eval_loss', last);
    assert.equal(await watch.interrupt(), 0);
  } finally {
    await watch.interrupt();
    rmSync(root, { recursive: true, force: true });
  }
});

test('watch: a watched root deleted and made again at once is read again', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  const root = join(base, 'out');
  mkdirSync(root);
  writeFileSync(join(root, 'metrics.jsonl'), log(9));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitForRun(root, [9]);
    for (let round = 0; round < 3; round++) {
      rmSync(root, { recursive: true });
      mkdirSync(root);
      writeFileSync(join(root, 'metrics.jsonl'), log(round));
    }
    const seen = await watch.waitForRun(root, [2]);
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'metrics.jsonl'), log(7));
    await watch.waitForRun(join(root, 'sub'), [7], 'eval_loss', seen);
    assert.equal(await watch.interrupt(), 0);
  } finally {
    await watch.interrupt();
    rmSync(base, { recursive: true, force: true });
  }
});

test('watch: named pipes named like logs are skipped with a note and block nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  // More pipes than libuv has threads: opened, each would hold one forever and nothing else would be read.
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    mkdirSync(join(root, name));
    execFileSync('mkfifo', [join(root, name, 'metrics.jsonl'), join(root, name, 'train.log')]);
  }
  mkdirSync(join(root, 'good'));
  writeFileSync(join(root, 'good', 'metrics.jsonl'), log(2));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitForRun(join(root, 'good'), [2]);
    await watch.waitFor(
      'a note on the pipe',
      (line) => line.type === 'problem' && line.path === join(root, 'e', 'train.log') && /named pipe \(FIFO\), not a regular file/.test(line.message ?? ''),
    );
    const seen = watch.lines.length;
    appendFileSync(join(root, 'good', 'metrics.jsonl'), JSON.stringify({ step: 2, eval_loss: 1 }) + '\n');
    await watch.waitForRun(join(root, 'good'), [2, 1], 'eval_loss', seen);
    assert.equal(await watch.interrupt(), 0);
    assert.deepEqual([...watch.runIds()], [join(root, 'good')]);
  } finally {
    await watch.interrupt();
    rmSync(root, { recursive: true, force: true });
  }
  const report = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  try {
    execFileSync('mkfifo', [join(report, 'metrics.jsonl')]);
    const document = JSON.parse(execFileSync(process.execPath, [CLI, 'report', report, '--json'], { encoding: 'utf8', timeout: HANG_MS })) as {
      problems: { path: string; message: string }[];
    };
    assert.match(document.problems[0]?.message ?? '', /named pipe/, 'report skips it with the same note');
  } finally {
    rmSync(report, { recursive: true, force: true });
  }
});

test('watch: symbolic link loops give one run per real folder, and a link up does not bring in what is beside the root', async () => {
  const base = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  const root = join(base, 'workspace');
  mkdirSync(join(root, 'a'), { recursive: true });
  writeFileSync(join(root, 'a', 'metrics.jsonl'), log(2));
  // Beside the root: `up -> ..` must not bring it in.
  mkdirSync(join(base, 'sibling'));
  writeFileSync(join(base, 'sibling', 'metrics.jsonl'), log(7));
  symlinkSync('.', join(root, 'loop'));
  symlinkSync('..', join(root, 'up'));
  symlinkSync('a', join(root, 'alias'));
  symlinkSync('..', join(root, 'a', 'back'));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitForRun(join(root, 'a'), [2]);
    // A run made after the scan: by the time it is reported, duplicates through the links would have been too.
    mkdirSync(join(root, 'z'));
    writeFileSync(join(root, 'z', 'metrics.jsonl'), log(1));
    await watch.waitForRun(join(root, 'z'), [1]);
    assert.equal(await watch.interrupt(), 0);
    assert.deepEqual([...watch.runIds()].sort(), [join(root, 'a'), join(root, 'z')]);
    const document = JSON.parse(execFileSync(process.execPath, [CLI, 'report', root, '--json'], { encoding: 'utf8', timeout: HANG_MS })) as {
      runs: { id: string }[];
    };
    assert.deepEqual(
      document.runs.map((run) => run.id),
      [join(root, 'a'), join(root, 'z')],
      'report follows the same links the same way',
    );
  } finally {
    await watch.interrupt();
    rmSync(base, { recursive: true, force: true });
  }
});

test('watch: a run under a folder name that is not UTF-8 is reported, not lost silently', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  const bad = Buffer.concat([Buffer.from(join(root, 'run-')), Buffer.from([0xe9])]);
  mkdirSync(bad);
  writeFileSync(Buffer.concat([bad, Buffer.from('/metrics.jsonl')]), log(1));
  mkdirSync(join(root, 'good'));
  writeFileSync(join(root, 'good', 'metrics.jsonl'), log(2));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitFor(
      'a note on the name',
      (line) => line.type === 'problem' && line.path === join(root, 'run-\\xE9') && /not valid UTF-8/.test(line.message ?? ''),
    );
    assert.equal(await watch.interrupt(), 0);
    const document = JSON.parse(execFileSync(process.execPath, [CLI, 'report', root, '--json'], { encoding: 'utf8', timeout: HANG_MS })) as {
      problems: { path: string; message: string }[];
    };
    assert.deepEqual(
      document.problems.map((problem) => problem.path),
      [join(root, 'run-\\xE9')],
    );
  } finally {
    await watch.interrupt();
    rmSync(root, { recursive: true, force: true });
  }
});

test('watch: SIGTERM ends it cleanly too', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-watch-'));
  writeFileSync(join(root, 'metrics.jsonl'), log(1));
  const watch = new WatchProcess([root]);
  try {
    await watch.waitForRun(root, [1]);
    assert.equal(await watch.interrupt('SIGTERM'), 0);
  } finally {
    await watch.interrupt();
    rmSync(root, { recursive: true, force: true });
  }
});
