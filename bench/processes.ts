// `npm run bench:processes` (and the end of `npm run bench`): the CLI against the tools a user would otherwise
// run, as whole processes on the same generated inputs. Each round runs the reference, then ours, on a
// warm page cache; the figure is the median over rounds of reference time / our time, so a busy moment of
// a shared machine moves both sides of a pair alike. Peak memory is the child's maximum resident set.
//
// Flags: --scale F (inputs at F times the sizes, default 1), --pairs N (rounds, default 3),
// --only a,b (cases by name: tfevents, jsonl, trainer-state, many-runs), --python PATH (default python3),
// --inputs DIR (write the inputs there and keep them, to profile by hand; else a temporary folder, removed).
// Beside the event file's and trainer_state.json's rows, floors: Node reading the file, and reading it with every
// record's CRC checked or its log_history scanned (bench/processFloors.ts), each a whole process timed in the same rounds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeEventFile, writeManyRuns, writeTrainerState, writeWideJsonl } from './processInputs';

interface Options {
  readonly scale: number;
  readonly pairs: number;
  readonly only: readonly string[];
  readonly python: string;
  readonly inputs: string | undefined;
}

function options(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  return {
    scale: Number(value('--scale') ?? 1),
    pairs: Math.max(1, Math.round(Number(value('--pairs') ?? 3))),
    only: (value('--only') ?? '').split(',').filter((name) => name !== ''),
    python: value('--python') ?? process.env.TAL_BENCH_PYTHON ?? 'python3',
    inputs: value('--inputs'),
  };
}

interface Timed {
  readonly seconds: number;
  readonly peakMb: number | undefined;
  readonly stdout: string;
}

const HAS_TIME = existsSync('/usr/bin/time');

/** One whole process, its output kept only when `keep` (else sent to /dev/null, as a user's redirect would). */
function timeProcess(dir: string, command: readonly string[], keep = false): Timed {
  const memory = join(dir, 'peak-rss');
  const argv = HAS_TIME ? ['/usr/bin/time', '-f', '%M', '-o', memory, ...command] : [...command];
  const start = performance.now();
  const child = spawnSync(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', keep ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  const seconds = (performance.now() - start) / 1000;
  if (child.status !== 0 && child.status !== 3) throw new Error(`${command.join(' ')} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const peakKb = HAS_TIME ? Number(readFileSync(memory, 'utf8').trim().split('\n').pop()) : NaN;
  return { seconds, peakMb: Number.isFinite(peakKb) ? peakKb / 1024 : undefined, stdout: keep ? child.stdout : '' };
}

interface Contender {
  readonly label: string;
  readonly command: readonly string[];
  /** What the issue asks of it: a least speed-up over the reference, and/or bounds of its own. */
  readonly goal: { readonly ratio?: number; readonly seconds?: number; readonly mb?: number };
}

interface Case {
  readonly name: string;
  readonly work: string;
  readonly reference: { readonly label: string; readonly command: readonly string[] } | { readonly label: string; readonly missing: string };
  readonly ours: readonly Contender[];
  /** Processes doing only part of the work (no goal): how much of a budget is left after Node's start, the read and the checks. */
  readonly floors?: readonly { readonly label: string; readonly command: readonly string[] }[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** A Python that can import TensorBoard: the one given, else a venv beside the benchmark's build with tensorboard installed by pip. */
function tensorboardPython(python: string): { python: string } | { missing: string } {
  const imports = (candidate: string): boolean =>
    spawnSync(candidate, ['-c', 'import tensorboard.backend.event_processing.event_accumulator'], { stdio: 'ignore' }).status === 0;
  if (imports(python)) return { python };
  const venv = resolve('out/bench/venv');
  const venvPython = join(venv, 'bin', 'python');
  if (!existsSync(venvPython)) {
    process.stderr.write(`Installing tensorboard into ${venv} for the EventAccumulator reference …\n`);
    spawnSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  if (existsSync(venvPython) && !imports(venvPython))
    spawnSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--retries', '0', '--timeout', '10', 'tensorboard'], { stdio: 'inherit' });
  if (existsSync(venvPython) && imports(venvPython)) return { python: venvPython };
  return { missing: `tensorboard could not be imported by ${python} nor installed with pip into ${venv}` };
}

function cases(dir: string, opts: Options): Case[] {
  const cli = [process.execPath, resolve('dist/cli.js'), 'report'];
  const script = resolve('bench/processes_reference.py');
  const floors = resolve('out/bench/processFloors.js');
  const scaled = (count: number): number => Math.max(1, Math.round(count * opts.scale));
  const wanted = (name: string): boolean => opts.only.length === 0 || opts.only.includes(name);
  const all: Case[] = [];
  if (wanted('tfevents')) {
    mkdirSync(join(dir, 'tb'));
    const path = join(dir, 'tb', 'events.out.tfevents.1700000000.bench.1.0');
    const steps = scaled(100_000);
    const bytes = writeEventFile(path, 10, steps);
    const tensorboard = tensorboardPython(opts.python);
    all.push({
      name: 'tfevents',
      work: `one TensorBoard event file, ${(steps * 10).toLocaleString('en')} scalars (10 tags × ${steps.toLocaleString('en')} steps), ${(bytes / 1e6).toFixed(1)} MB`,
      reference:
        'python' in tensorboard
          ? { label: "TensorBoard's EventAccumulator", command: [tensorboard.python, script, 'eventaccumulator', path] }
          : { label: "TensorBoard's EventAccumulator", missing: tensorboard.missing },
      ours: [
        { label: 'report', command: [...cli, path], goal: { ratio: 100 } },
        { label: 'report --json', command: [...cli, path, '--json'], goal: { ratio: 50 } },
      ],
      floors: [
        { label: 'Node reads the file whole', command: [process.execPath, floors, 'read', path] },
        { label: "Node reads it and checks every record's CRC-32C (the project's crc32c)", command: [process.execPath, floors, 'crc', path] },
      ],
    });
  }
  if (wanted('jsonl')) {
    mkdirSync(join(dir, 'jsonl'));
    const path = join(dir, 'jsonl', 'train_log.jsonl');
    const lines = scaled(370_000);
    const bytes = writeWideJsonl(path, lines);
    all.push({
      name: 'jsonl',
      work: `JSONL log, ${(bytes / 1e6).toFixed(0)} MB, ${lines.toLocaleString('en')} lines`,
      reference: { label: "Python's json, a line at a time", command: [opts.python, script, 'jsonl', path] },
      ours: [{ label: 'report', command: [...cli, path], goal: { ratio: 2 } }],
    });
  }
  if (wanted('trainer-state')) {
    mkdirSync(join(dir, 'hf'));
    const path = join(dir, 'hf', 'trainer_state.json');
    const entries = scaled(200_000);
    const bytes = writeTrainerState(path, entries);
    all.push({
      name: 'trainer-state',
      work: `trainer_state.json, ${(bytes / 1e6).toFixed(0)} MB, ${entries.toLocaleString('en')} log entries`,
      reference: { label: "Python's json.load", command: [opts.python, script, 'trainer_state', path] },
      ours: [{ label: 'report', command: [...cli, path], goal: { ratio: 2 } }],
      floors: [
        { label: 'Node reads the file whole', command: [process.execPath, floors, 'read', path] },
        {
          label: "Node reads it and scans its log_history into columns on one thread (the project's scanner)",
          command: [process.execPath, floors, 'scan', path],
        },
      ],
    });
  }
  if (wanted('many-runs')) {
    const root = join(dir, 'runs');
    const runs = scaled(1000);
    const bytes = writeManyRuns(root, runs, 10_000);
    const files = Array.from({ length: runs }, (_, run) => join(root, `run-${String(run).padStart(4, '0')}`, 'metrics.jsonl'));
    all.push({
      name: 'many-runs',
      work: `${runs.toLocaleString('en')} runs × 10,000 points (JSONL), ${(bytes / 1e6).toFixed(0)} MB`,
      reference: { label: 'cat of the files', command: ['cat', ...files] },
      ours: [
        { label: 'report', command: [...cli, root], goal: { seconds: 4, mb: 250 } },
        { label: 'report --json', command: [...cli, root, '--json'], goal: { mb: 400 } },
      ],
    });
  }
  return all;
}

function fmtMb(mb: number | undefined): string {
  return mb === undefined ? '? MB' : `${mb.toFixed(0)} MB`;
}

function run(opts: Options): void {
  if (!existsSync('dist/cli.js') || !existsSync('out/bench/processFloors.js'))
    throw new Error('dist/cli.js or out/bench/processFloors.js is missing: build first (npm run bench:processes builds them).');
  if (opts.inputs !== undefined) mkdirSync(opts.inputs, { recursive: true });
  const dir = opts.inputs === undefined ? mkdtempSync(join(tmpdir(), 'tal-processes-')) : mkdtempSync(join(resolve(opts.inputs), 'inputs-'));
  const lines: string[] = [];
  try {
    const nodeStart = median(Array.from({ length: 5 }, () => timeProcess(dir, [process.execPath, '-e', '0']).seconds));
    const cliStart = median(Array.from({ length: 5 }, () => timeProcess(dir, [process.execPath, resolve('dist/cli.js'), '--version']).seconds));
    // What every report pays before it reads a byte: the CLI's start with the report's modules loaded.
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const reportStart = median(Array.from({ length: 5 }, () => timeProcess(dir, [process.execPath, resolve('dist/cli.js'), 'report', empty]).seconds));
    lines.push(
      `CLI start: node dist/cli.js --version ${(cliStart * 1000).toFixed(0)} ms, report of an empty folder ${(reportStart * 1000).toFixed(0)} ms, node -e 0 ${(nodeStart * 1000).toFixed(0)} ms`,
    );
    for (const bench of cases(dir, opts)) {
      const header = `${bench.work}`;
      const missing = 'missing' in bench.reference ? bench.reference.missing : undefined;
      const reference = 'missing' in bench.reference ? [] : bench.reference.command;
      const refTimes: Timed[] = [];
      const ourTimes: Timed[][] = bench.ours.map(() => []);
      const floors = bench.floors ?? [];
      const floorTimes: Timed[][] = floors.map(() => []);
      for (let round = 0; round < opts.pairs; round++) {
        if (missing === undefined) refTimes.push(timeProcess(dir, reference));
        bench.ours.forEach((contender, i) => ourTimes[i]?.push(timeProcess(dir, contender.command)));
        floors.forEach((floor, i) => floorTimes[i]?.push(timeProcess(dir, floor.command)));
      }
      lines.push('', header);
      if (missing !== undefined) lines.push(`  reference ${bench.reference.label}: NOT RUN — ${missing}`);
      else
        lines.push(
          `  reference ${bench.reference.label}: ${median(refTimes.map((t) => t.seconds)).toFixed(2)} s, ${fmtMb(median(refTimes.map((t) => t.peakMb ?? NaN)))}`,
        );
      bench.ours.forEach((contender, i) => {
        const times = ourTimes[i] ?? [];
        const seconds = median(times.map((t) => t.seconds));
        const peak = times.every((t) => t.peakMb !== undefined) ? Math.max(...times.map((t) => t.peakMb as number)) : undefined;
        const parts = [`${seconds.toFixed(3)} s`, `peak ${fmtMb(peak)}`];
        const verdicts: string[] = [];
        if (missing === undefined) {
          const ratio = median(times.map((t, round) => (refTimes[round] as Timed).seconds / t.seconds));
          parts.push(`${ratio.toFixed(ratio < 10 ? 2 : 0)}× faster than the reference (median of ${times.length} pairs)`);
          if (contender.goal.ratio !== undefined) verdicts.push(`≥ ${contender.goal.ratio}×: ${ratio >= contender.goal.ratio ? 'met' : 'NOT met'}`);
        } else if (contender.goal.ratio !== undefined) verdicts.push(`≥ ${contender.goal.ratio}×: not measured (no reference)`);
        if (contender.goal.seconds !== undefined) verdicts.push(`≤ ${contender.goal.seconds} s: ${seconds <= contender.goal.seconds ? 'met' : 'NOT met'}`);
        if (contender.goal.mb !== undefined)
          verdicts.push(`≤ ${contender.goal.mb} MB: ${peak === undefined ? 'not measured' : peak <= contender.goal.mb ? 'met' : 'NOT met'}`);
        lines.push(`  ${contender.label}: ${parts.join(', ')}; goal ${verdicts.join(', ')}`);
      });
      floors.forEach((floor, i) => {
        const times = floorTimes[i] ?? [];
        const peak = times.every((t) => t.peakMb !== undefined) ? Math.max(...times.map((t) => t.peakMb as number)) : undefined;
        lines.push(`  floor, ${floor.label}: ${median(times.map((t) => t.seconds)).toFixed(3)} s, peak ${fmtMb(peak)} (no goal)`);
      });
    }
  } finally {
    if (opts.inputs === undefined) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`Inputs kept in ${dir}\n`);
  }
  if (!HAS_TIME) lines.push('', 'Peak memory not measured: /usr/bin/time is not installed.');
  process.stdout.write(`\nWhole processes (${opts.pairs} interleaved rounds each, warm page cache; ratios are the median of per-round ratios)\n`);
  process.stdout.write(lines.join('\n') + '\n');
}

run(options(process.argv.slice(2)));
