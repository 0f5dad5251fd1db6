// `npm run bench:tokens`: token statistics over generated logits files, as ratios against references measured
// in the same run. First the README's comparison, whole processes: the CLI's `report` on an fp16 [8192 × 32000]
// `.npy` evaluation with every statistic and an empty cache, against torch (CPU, one thread) doing argmax and
// cross-entropy only over the memory-mapped logits, interleaved, the median of the pairs' ratios. Then, in this
// process and in CPU time, fp32/fp16/bf16 files against reading the same bytes raw, numpy and torch.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeEvalFile } from '../src/node/tokens/evalFileStats';
import { tensorRowChunks } from '../src/node/tokens/tensorData';
import { locateEvalTensors } from '../src/node/tokens/tensorFiles';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 2048);
const VOCAB = Number(process.env['BENCH_VOCAB'] ?? 32000);
const CHUNK_BYTES = 8 << 20;
let dir = '';

/** Writes a safetensors file of [ROWS, VOCAB] logits and int64 labels, a slab at a time (no whole-file buffer). */
function writeLogits(dtype: 'F32' | 'F16' | 'BF16'): string {
  const width = dtype === 'F32' ? 4 : 2;
  const logitBytes = ROWS * VOCAB * width;
  const header = JSON.stringify({
    __metadata__: { causal_shift: 'false' },
    logits: { dtype, shape: [ROWS, VOCAB], data_offsets: [0, logitBytes] },
    labels: { dtype: 'I64', shape: [ROWS], data_offsets: [logitBytes, logitBytes + ROWS * 8] },
  });
  const path = join(dir, `step-1-${dtype}.safetensors`);
  const fd = openSync(path, 'w');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeSync(fd, length);
  writeSync(fd, header);
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 6 - 3;
  const row = new Float32Array(VOCAB);
  const halves = new Uint16Array(VOCAB);
  const words = new Uint32Array(row.buffer);
  for (let r = 0; r < ROWS; r++) {
    for (let v = 0; v < VOCAB; v++) row[v] = random();
    if (dtype === 'F32') writeSync(fd, new Uint8Array(row.buffer));
    else {
      for (let v = 0; v < VOCAB; v++) halves[v] = dtype === 'BF16' ? (words[v] as number) >>> 16 : toHalf(row[v] as number);
      writeSync(fd, new Uint8Array(halves.buffer));
    }
  }
  writeSync(fd, new Uint8Array(BigInt64Array.from({ length: ROWS }, (_, i) => BigInt((i * 7919) % VOCAB)).buffer));
  closeSync(fd);
  return path;
}

function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

/**
 * Seconds of CPU time (user and system, every thread of the process), the best of `repeats`: on a machine
 * shared with other work, wall time measured the others (ratios against torch moved from 0.6× to 12× between
 * runs of the same code); numpy and torch are timed the same way (time.process_time).
 */
async function seconds(repeats: number, work: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = process.cpuUsage();
    await work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}

async function rawRead(path: string): Promise<number> {
  const files = await locateEvalTensors(path);
  if ('error' in files) throw new Error(files.error);
  const logits = files.tensors.find((tensor) => tensor.name === 'logits');
  if (logits === undefined) throw new Error('no logits');
  let bytes = 0;
  for await (const chunk of tensorRowChunks(logits, VOCAB, CHUNK_BYTES)) bytes += chunk.bytes.length;
  return bytes;
}

/**
 * A python3 with numpy: BENCH_PYTHON or TAL_TORCH_PYTHON when set, else the trainers' venv the real-trainer tests use (it has torch),
 * else Debian's, else the one on the PATH.
 */
function python(): string | undefined {
  return [process.env['BENCH_PYTHON'], process.env['TAL_TORCH_PYTHON'], join(__dirname, '../../.venv-trainers/bin/python'), '/usr/bin/python3', 'python3']
    .filter((candidate): candidate is string => candidate !== undefined && candidate !== '')
    .find((candidate) => spawnSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0);
}

/** Peak resident memory of a fresh process scoring `path` (and of one that only starts), in MB. */
function peakMemory(path: string): { scoring: number; idle: number } {
  const run = (mode: string): number => Number(execFileSync(process.execPath, [__filename, mode, path], { encoding: 'utf8' }).trim()) / 1024;
  return { scoring: run('--peak-memory'), idle: run('--idle-memory') };
}

const PROCESS_ROWS = Number(process.env['BENCH_PROCESS_ROWS'] ?? 8192);
const PROCESS_PAIRS = Number(process.env['BENCH_PAIRS'] ?? 5);

/**
 * An fp16 [PROCESS_ROWS × VOCAB] `logits.npy` and int64 `labels.npy` in `eval_outputs/step-1/` of a run folder,
 * written a row at a time: logits about normal (the sum of two uniforms, spread 1.7), the label's raised by 0 to 8
 * so that about a third of the tokens are right and the best temperature is not 1.
 */
function writeNpyRun(): string {
  const folder = join(dir, 'run', 'eval_outputs', 'step-1');
  mkdirSync(folder, { recursive: true });
  const npy = (name: string, descr: string, shape: string): number => {
    const fd = openSync(join(folder, name), 'w');
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const preamble = Buffer.alloc(10);
    preamble.write('\x93NUMPY', 0, 'latin1');
    preamble.writeUInt8(1, 6);
    preamble.writeUInt16LE(header.length, 8);
    writeSync(fd, preamble);
    writeSync(fd, header);
    return fd;
  };
  let seed = 2024;
  const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const labels = BigInt64Array.from({ length: PROCESS_ROWS }, (_, i) => BigInt((i * 7919 + 13) % VOCAB));
  const fd = npy('logits.npy', '<f2', `(${PROCESS_ROWS}, ${VOCAB})`);
  const halves = new Uint16Array(VOCAB);
  const row = new Float32Array(VOCAB);
  const bits = new Uint32Array(row.buffer);
  for (let r = 0; r < PROCESS_ROWS; r++) {
    const label = Number(labels[r]);
    for (let v = 0; v < VOCAB; v++) row[v] = (random() + random() - 1) * 3 + (v === label ? 8 * random() : 0);
    // toHalf on the whole row, without a typed array a value
    for (let v = 0; v < VOCAB; v++) {
      const word = bits[v] as number;
      const exponent = ((word >>> 23) & 0xff) - 127 + 15;
      halves[v] = exponent <= 0 ? (word >>> 16) & 0x8000 : ((word >>> 16) & 0x8000) | (exponent << 10) | ((word >>> 13) & 0x3ff);
    }
    writeSync(fd, new Uint8Array(halves.buffer));
  }
  closeSync(fd);
  const labelsFd = npy('labels.npy', '<i8', `(${PROCESS_ROWS},)`);
  writeSync(labelsFd, new Uint8Array(labels.buffer));
  closeSync(labelsFd);
  return join(dir, 'run');
}

/** Wall seconds of a whole process (its start included), which must succeed. */
function processSeconds(command: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

/**
 * The README's row: `report` on the run (every statistic, a fresh empty evaluation cache each time) and the
 * torch process, alternated (A B A B …) so that both see the same moments of a shared machine; each pair
 * gives a ratio (torch's wall time over ours), and the median of those is the figure.
 */
function wholeProcessComparison(interpreter: string | undefined): string {
  const hasTorch = interpreter !== undefined && spawnSync(interpreter, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch) return 'Whole processes: torch not installed (set BENCH_PYTHON to a python with torch and numpy); not compared.';
  const run = writeNpyRun();
  const cli = join(__dirname, '../../dist/cli.js');
  const reference = join(__dirname, '../../bench/tokens_torch_process.py');
  const ratios: number[] = [];
  const ours: number[] = [];
  const torch: number[] = [];
  for (let pair = 0; pair < PROCESS_PAIRS; pair++) {
    const cache = mkdtempSync(join(dir, 'cache-'));
    ours.push(processSeconds(process.execPath, [cli, 'report', run], { ...process.env, XDG_CACHE_HOME: cache }));
    rmSync(cache, { recursive: true, force: true });
    torch.push(processSeconds(interpreter, [reference, join(run, 'eval_outputs', 'step-1')], process.env));
    ratios.push((torch.at(-1) as number) / (ours.at(-1) as number));
  }
  rmSync(run, { recursive: true, force: true });
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  const mb = (PROCESS_ROWS * VOCAB * 2) / 1e6;
  return (
    `Whole processes, fp16 logits [${PROCESS_ROWS} × ${VOCAB}] .npy + labels (${mb.toFixed(0)} MB), evaluation cache empty: ` +
    `\`report\` with every statistic (temperature fit included) ${median(ours).toFixed(2)} s, torch (CPU, one thread, argmax + cross_entropy, ` +
    `512-row chunks of a memory map) ${median(torch).toFixed(2)} s; ${median(ratios).toFixed(2)}× faster than torch ` +
    `(median of ${PROCESS_PAIRS} interleaved pairs; pairs ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}; load average ${loadavg()[0]?.toFixed(1)} at the end).`
  );
}

async function main(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tal-bench-tokens-'));
  const processLine = wholeProcessComparison(python());
  process.stdout.write(processLine + '\n');
  const rows: string[][] = [['logits', 'ours (all statistics)', 'ours (no temperature fit)', 'vs raw read', 'vs numpy', 'vs torch', 'all statistics vs torch']];
  const interpreter = python();
  let memoryLine = '';
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    const path = writeLogits(dtype);
    const megabytes = (ROWS * VOCAB * (dtype === 'F32' ? 4 : 2)) / 1e6;
    const raw = await seconds(3, () => rawRead(path));
    let passes = 0;
    const full = await seconds(3, async () => {
      const result = await computeEvalFile(path, { chunkBytes: CHUNK_BYTES });
      passes = 'error' in result ? 0 : (result.summary.logits?.temperature?.passes ?? 0);
    });
    const plain = await seconds(3, () => computeEvalFile(path, { chunkBytes: CHUNK_BYTES, temperature: false }));
    let numpy = 'n/a';
    let torch = 'torch not installed';
    let fullTorch = 'torch not installed';
    if (interpreter !== undefined) {
      const result = spawnSync(
        interpreter,
        [
          join(__dirname, '../../bench/tokens_reference.py'),
          path,
          String(ROWS),
          String(VOCAB),
          dtype,
          String(Math.max(1, Math.floor(CHUNK_BYTES / (VOCAB * (dtype === 'F32' ? 4 : 2))))),
        ],
        { encoding: 'utf8' },
      );
      const reference = JSON.parse(result.stdout || '{}') as { numpy?: number; torch?: number | null };
      if (reference.numpy !== undefined) numpy = `${(reference.numpy / plain).toFixed(2)}× (numpy ${(megabytes / reference.numpy).toFixed(0)} MB/s)`;
      if (typeof reference.torch === 'number') {
        torch = `${(reference.torch / plain).toFixed(2)}× (torch ${(megabytes / reference.torch).toFixed(0)} MB/s)`;
        fullTorch = `${(reference.torch / full).toFixed(2)}×`;
      }
    } else numpy = 'python3 with numpy not found';
    if (dtype === 'F32') {
      const memory = peakMemory(path);
      memoryLine = `Peak memory scoring the ${megabytes.toFixed(0)} MB fp32 file: ${memory.scoring.toFixed(0)} MB resident, ${(memory.scoring - memory.idle).toFixed(0)} MB above an idle Node process (chunks of ${CHUNK_BYTES >> 20} MB).`;
    }
    rows.push([
      `${dtype} ${ROWS}×${VOCAB} (${megabytes.toFixed(0)} MB)`,
      `${(megabytes / full).toFixed(0)} MB/s (${passes} temperature passes)`,
      `${(megabytes / plain).toFixed(0)} MB/s`,
      `${(raw / plain).toFixed(2)}× raw read speed (${(megabytes / raw).toFixed(0)} MB/s)`,
      numpy,
      torch,
      fullTorch,
    ]);
    rmSync(path);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    'Throughput per second of CPU time; ratios above 1× are faster than the reference (its CPU time over ours; "vs torch" without the temperature fit, the last column with every statistic).\n',
  );
  for (const row of rows) process.stdout.write(row.join(' | ') + '\n');
  process.stdout.write(memoryLine + '\n');
}

// The same script, run again in a fresh process, reports its own peak memory (KB) with and without scoring.
const [mode, target] = process.argv.slice(2);
if (mode === '--peak-memory' && target !== undefined)
  void computeEvalFile(target, { chunkBytes: CHUNK_BYTES }).then(() => process.stdout.write(`${process.resourceUsage().maxRSS}\n`));
else if (mode === '--idle-memory') process.stdout.write(`${process.resourceUsage().maxRSS}\n`);
else void main();
