import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Row } from './timing';

/** Two evaluations of this many scored tokens each, in the compact form with sequence boundaries (what the dump helper writes). */
const TOKENS = 1_000_000;
const SEQUENCE_LENGTH = 512;
const VOCAB = 32_000;

/** A compact safetensors evaluation: labels, predictions, label and max log-probabilities, sequence index; seeded, so every run reads the same bytes. */
function compactEvaluation(seed: number, nllScale: number): Uint8Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const n = TOKENS;
  const header = JSON.stringify({
    __metadata__: { causal_shift: 'false' },
    labels: { dtype: 'I64', shape: [n], data_offsets: [0, 8 * n] },
    predictions: { dtype: 'I64', shape: [n], data_offsets: [8 * n, 16 * n] },
    label_logprobs: { dtype: 'F32', shape: [n], data_offsets: [16 * n, 20 * n] },
    max_logprobs: { dtype: 'F32', shape: [n], data_offsets: [20 * n, 24 * n] },
    sequence_index: { dtype: 'I32', shape: [n], data_offsets: [24 * n, 28 * n] },
  });
  const bytes = new Uint8Array(8 + header.length + 28 * n);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(new TextEncoder().encode(header), 8);
  const data = 8 + header.length;
  const labels = new BigInt64Array(n);
  const predictions = new BigInt64Array(n);
  const labelLogProbs = new Float32Array(n);
  const maxLogProbs = new Float32Array(n);
  const sequences = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Labels seeded by place, not by evaluation: the two evaluations pair position for position, as a fixed eval set does.
    const label = (Math.imul(i, 2654435761) >>> 0) % VOCAB;
    const right = next() < 0.6;
    labels[i] = BigInt(label);
    predictions[i] = BigInt(right ? label : (label + 1) % VOCAB);
    const nll = next() * nllScale;
    labelLogProbs[i] = -nll;
    maxLogProbs[i] = right ? -nll : -nll * next();
    sequences[i] = Math.floor(i / SEQUENCE_LENGTH);
  }
  bytes.set(new Uint8Array(labels.buffer), data);
  bytes.set(new Uint8Array(predictions.buffer), data + 8 * n);
  bytes.set(new Uint8Array(labelLogProbs.buffer), data + 16 * n);
  bytes.set(new Uint8Array(maxLogProbs.buffer), data + 20 * n);
  bytes.set(new Uint8Array(sequences.buffer), data + 24 * n);
  return bytes;
}

/** Wall time and peak RSS of one `report --json` by the built CLI, with its cache in `cacheHome`. */
function report(cli: string, preload: string, path: string, cacheHome: string): { seconds: number; rssMB: number } {
  const start = performance.now();
  const child = spawnSync(process.execPath, ['--require', preload, cli, 'report', '--json', path], {
    env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`report failed (${child.status}): ${child.stderr}`);
  const rss = /maxrss (\d+)/.exec(child.stderr);
  return { seconds, rssMB: rss === null ? NaN : Number(rss[1]) / 1024 };
}

/** Bytes of everything the cache holds under `cacheHome`. */
function cacheBytes(cacheHome: string): number {
  const folder = join(cacheHome, 'token-accuracy-lens', 'eval-cache');
  return readdirSync(folder).reduce((total, name) => total + statSync(join(folder, name)).size, 0);
}

/**
 * The CLI's report of one run with two evaluations of a million compact tokens each: first (scoring them,
 * writing the cache) and cached (the records of the two compared read back). The reference, measured in the
 * same run, is the cached report of the same two files as two runs of one evaluation each: nothing to compare,
 * so only the entries' summaries are read, as a report did before per-token records.
 */
export function recordsBench(dir: string): Row[] {
  const cli = resolve('dist/cli.js');
  if (!existsSync(cli)) return [['token records: CLI report', 'skipped', 'dist/cli.js is not built']];
  const root = join(dir, 'records');
  const compared = join(root, 'compared', 'run');
  mkdirSync(join(compared, 'eval_outputs'), { recursive: true });
  const best = compactEvaluation(1, 1.0);
  const latest = compactEvaluation(2, 1.6);
  writeFileSync(join(compared, 'eval_outputs', 'step-100.safetensors'), best);
  writeFileSync(join(compared, 'eval_outputs', 'step-200.safetensors'), latest);
  const single = join(root, 'single');
  for (const [name, bytes] of [
    ['a', best],
    ['b', latest],
  ] as const) {
    mkdirSync(join(single, name, 'eval_outputs'), { recursive: true });
    writeFileSync(join(single, name, 'eval_outputs', `step-${name === 'a' ? 100 : 200}.safetensors`), bytes);
  }
  const preload = join(root, 'maxrss.js');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('\\nmaxrss ' + process.resourceUsage().maxRSS + '\\n'));\n");
  const comparedCache = join(root, 'cache-compared');
  const singleCache = join(root, 'cache-single');
  const first = report(cli, preload, compared, comparedCache);
  const perEvaluation = cacheBytes(comparedCache) / 2;
  const firstSingle = report(cli, preload, single, singleCache);
  // The median of three cached reports each.
  const median = (runs: { seconds: number; rssMB: number }[]): { seconds: number; rssMB: number } => {
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    return sorted[1] as { seconds: number; rssMB: number };
  };
  const cached = median([0, 1, 2].map(() => report(cli, preload, compared, comparedCache)));
  const summaryOnly = median([0, 1, 2].map(() => report(cli, preload, single, singleCache)));
  rmSync(root, { recursive: true, force: true });
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
  return [
    [
      'token records: cached report, 2 × 1M tokens compared',
      `${cached.seconds.toFixed(2)} s, ${cached.rssMB.toFixed(0)} MB RSS`,
      `${(cached.seconds / summaryOnly.seconds).toFixed(2)}× time, ${(cached.rssMB / summaryOnly.rssMB).toFixed(2)}× RSS of the summary-only cached report (${summaryOnly.seconds.toFixed(2)} s, ${summaryOnly.rssMB.toFixed(0)} MB)`,
    ],
    [
      'token records: first report, 2 × 1M tokens scored and compared',
      `${first.seconds.toFixed(2)} s, ${first.rssMB.toFixed(0)} MB RSS`,
      `${(first.seconds / firstSingle.seconds).toFixed(2)}× time, ${(first.rssMB / firstSingle.rssMB).toFixed(2)}× RSS of the same two scored as two runs (${firstSingle.seconds.toFixed(2)} s, ${firstSingle.rssMB.toFixed(0)} MB)`,
    ],
    [
      'token records: cache bytes an evaluation of 1M tokens',
      mb(perEvaluation),
      `${(perEvaluation / (20 * TOKENS)).toFixed(3)}× its records' 20 bytes a token`,
    ],
  ];
}
