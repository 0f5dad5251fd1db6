// `npm run bench:tokens`: token statistics over generated logits files (fp32, fp16, bf16), as ratios against
// references measured in the same run: reading the same bytes raw, and numpy and torch (CPU, one thread,
// when installed) doing argmax and log-softmax NLL over the same chunks.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A python3 with numpy: BENCH_PYTHON when set (a venv with torch, say), else Debian's, else the one on the PATH. */
function python(): string | undefined {
  return [process.env['BENCH_PYTHON'], '/usr/bin/python3', 'python3']
    .filter((candidate): candidate is string => candidate !== undefined && candidate !== '')
    .find((candidate) => spawnSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0);
}

/** Peak resident memory of a fresh process scoring `path` (and of one that only starts), in MB. */
function peakMemory(path: string): { scoring: number; idle: number } {
  const run = (mode: string): number => Number(execFileSync(process.execPath, [__filename, mode, path], { encoding: 'utf8' }).trim()) / 1024;
  return { scoring: run('--peak-memory'), idle: run('--idle-memory') };
}

async function main(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tal-bench-tokens-'));
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
