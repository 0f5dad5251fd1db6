/**
 * Runs the CLI over a folder built by a test (a crafted bad file beside a good run) in a child process with a
 * memory limit, so a crash, a hang or a runaway allocation fails the test instead of taking the runner with it.
 * Cases are written by the tests themselves (sparse files, small crafted headers): nothing large is committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainerStateText } from './helpers';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const DRIVER = join(__dirname, 'hostileDriver.js');
/** V8's heap; buffers live outside it, which the resident-size check below catches. */
const HEAP_MB = 192;
/** Resident memory a report of a few tiny runs may take, workers included: far below what a crafted size would allocate. */
export const MAX_RSS_MB = 600;
/** Only to detect a hang (a process blocked on a FIFO never ends): no case comes near it. */
const KILL_AFTER_MS = 120_000;
const RSS_MARK = 'TAL_HOSTILE_MAX_RSS_KB=';

export interface HostileRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly hung: boolean;
  readonly stderr: string;
  readonly maxRssMb: number;
  readonly report: HostileReport | undefined;
}

export interface HostileReport {
  readonly runs: readonly {
    readonly id: string;
    readonly metrics: Readonly<Record<string, { readonly steps: readonly number[]; readonly values: readonly number[] }>>;
  }[];
  readonly problems: readonly { readonly path: string; readonly message: string }[];
}

/** A folder for one case, removed by `dispose`. `XDG_CACHE_HOME` points inside it so no run touches the user's cache. */
export function hostileFolder(): { root: string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'tal-hostile-'));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** A good HF run with an eval loss at steps 10 and 20, written in `folder`: it must come out of every case whole. */
export function writeGoodRun(folder: string): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'trainer_state.json'),
    trainerStateText([
      { step: 10, epoch: 0.5, eval_loss: 2.5 },
      { step: 20, epoch: 1, eval_loss: 1.25 },
    ]),
  );
}

/**
 * `node dist/cli.js report <target> --json` in a child with a heap limit; its peak resident size is reported by
 * a preload. With `direct` files, the child walks `target` and also feeds it those files as the watcher would
 * (the walk lists only regular files; the watcher reports a FIFO too).
 */
export async function runReport(root: string, target: string, direct: readonly string[] = []): Promise<HostileRun> {
  const preload = join(root, 'max-rss-preload.js');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeSync(2, '\\n${RSS_MARK}' + process.resourceUsage().maxRSS + '\\n'));\n`);
  const command = direct.length === 0 ? [CLI, 'report', target, '--json'] : [DRIVER, target, ...direct];
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--require', preload, ...command], {
    env: { ...process.env, XDG_CACHE_HOME: join(root, '.xdg-cache'), TAL_HOSTILE_DRIVER: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, KILL_AFTER_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (c, s) => done([c, s])));
  clearTimeout(timer);
  const mark = stderr.lastIndexOf(RSS_MARK);
  const maxRssMb = mark < 0 ? Number.NaN : Number.parseInt(stderr.slice(mark + RSS_MARK.length), 10) / 1024;
  let report: HostileReport | undefined;
  try {
    report = JSON.parse(stdout) as HostileReport;
  } catch {
    report = undefined;
  }
  return { code, signal, hung, stderr: mark < 0 ? stderr : stderr.slice(0, mark), maxRssMb, report };
}

/**
 * The contract every hostile case keeps: the process ends normally within its memory, the good run is read
 * with its numbers, and a problem names the bad file with a message matching `message`.
 */
export function assertSurvived(run: HostileRun, badFile: string, message: RegExp): void {
  assert.equal(run.hung, false, 'the report never finished (killed after the hang timeout)');
  assert.equal(run.signal, null, `the process was killed by ${String(run.signal)}: ${run.stderr}`);
  assert.equal(run.code, 0, `exit code ${String(run.code)}: ${run.stderr}`);
  assert.ok(run.maxRssMb < MAX_RSS_MB, `peak resident memory ${run.maxRssMb.toFixed(0)} MB, over ${MAX_RSS_MB} MB`);
  const report = run.report;
  assert.ok(report !== undefined, 'the report is JSON');
  const good = report.runs.find((entry) => entry.id.endsWith('good'));
  assert.ok(good !== undefined, `the good run is reported (runs: ${report.runs.map((entry) => entry.id).join(', ')})`);
  assert.deepEqual(good.metrics['eval_loss']?.values, [2.5, 1.25], 'the good run keeps its numbers');
  const problem = report.problems.find((entry) => entry.path === badFile);
  assert.ok(problem !== undefined, `a problem names ${badFile} (problems: ${JSON.stringify(report.problems)})`);
  assert.match(problem.message, message);
}
