// `npm run bench`: each figure is a ratio against a reference measured in the same run on the same
// machine, so the numbers mean the same on a fast laptop and a loaded 2-core CI box.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EMPTY_JSONL_CURSOR, readJsonlChunk } from '../src/core/formats/jsonlFormat';
import { TRAINER_STATE_FORMAT } from '../src/core/formats/trainerStateFormat';
import { RunStore } from '../src/core/runStore';
import { buildRunView } from '../src/core/runView';
import { downsampleMinMax } from '../src/core/downsample';
import { LogIngest } from '../src/node/logIngest';
import { linesBench } from './linesBench';
import { mlflowDbBench } from './mlflowDbBench';
import { tfeventsBench } from './tfeventsBench';
import { trackersBench } from './trackersBench';
import { panelBench } from './panelBench';
import { sessionBench } from './sessionBench';
import { webviewBench } from './webviewBench';
import { recordsBench } from './recordsBench';
import { longestBlockMs, medianMs, type Row } from './timing';

const dir = mkdtempSync(join(tmpdir(), 'tal-bench-'));
const rows: Row[] = [];

function jsonlLine(step: number): string {
  return (
    JSON.stringify({
      current_steps: step,
      total_steps: 1e6,
      loss: 2 / Math.log(step + 2),
      lr: 1e-5,
      epoch: step / 1e4,
      eval_loss: 1.5 + Math.sin(step),
      eval_mean_token_accuracy: 0.5,
      elapsed_time: '0:01:02',
    }) + '\n'
  );
}

function writeJsonl(path: string, lines: number): number {
  let text = '';
  for (let step = 1; step <= lines; step++) text += jsonlLine(step);
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

async function coldRead(): Promise<void> {
  const path = join(dir, 'cold', 'trainer_log.jsonl');
  mkdirSync(join(dir, 'cold'));
  const bytes = writeJsonl(path, 200_000);
  const raw = await medianMs(5, () => readFileSync(path));
  const parseOnly = await medianMs(3, () =>
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line) => line && JSON.parse(line)),
  );
  const content = readFileSync(path);
  const decodeOnly = await medianMs(3, () => {
    let cursor = EMPTY_JSONL_CURSOR;
    for (let offset = 0; offset < content.length; offset += 1 << 18) cursor = readJsonlChunk(cursor, content.subarray(offset, offset + (1 << 18))).cursor;
  });
  const ours = await medianMs(3, () => new LogIngest().ingest(path));
  const blocked = await longestBlockMs(() => new LogIngest().ingest(path));
  const mb = bytes / 1e6;
  rows.push([
    'cold read of a JSONL log',
    `${mb.toFixed(0)} MB: ours ${(mb / (ours / 1000)).toFixed(0)} MB/s, event loop blocked ${blocked.toFixed(0)} ms at most`,
    // A bare JSON.parse per line is the ceiling of any reader built on JSON.parse.
    `${(raw / ours).toFixed(3)}× raw disk read (parse alone, no file or store: ${(raw / decodeOnly).toFixed(3)}×; a bare JSON.parse per line alone: ${(raw / parseOnly).toFixed(3)}×)`,
  ]);
}

/** Runs found at once, as the watcher's first scan hands them over: the total time, and the longest the event loop was held. */
async function scan(): Promise<void> {
  const runs = 100;
  const paths: string[] = [];
  for (let run = 0; run < runs; run++) {
    mkdirSync(join(dir, 'scan', `run${run}`), { recursive: true });
    let text = '';
    for (let step = 0; step < 5000; step++)
      text += JSON.stringify({ step, loss: 2 / Math.log(step + 2), eval_loss: 1.5 + Math.sin(step), epoch: step / 1000 }) + '\n';
    paths.push(join(dir, 'scan', `run${run}`, 'metrics.jsonl'));
    writeFileSync(paths[run] as string, text);
  }
  const ingest = new LogIngest();
  const start = performance.now();
  const blocked = await longestBlockMs(() => Promise.all(paths.map((path) => ingest.ingest(path))));
  const seconds = (performance.now() - start) / 1000;
  rows.push([
    'scan: 100 runs × 10,000 points found at once',
    `${seconds.toFixed(1)} s (${((seconds * 1000) / runs).toFixed(0)} s for 1,000 runs)`,
    `event loop blocked ${blocked.toFixed(0)} ms at most`,
  ]);
}

async function appendCost(): Promise<void> {
  const cost = async (lines: number): Promise<number> => {
    const path = join(dir, `append-${lines}`, 'metrics.jsonl');
    mkdirSync(join(dir, `append-${lines}`));
    writeJsonl(path, lines);
    const ingest = new LogIngest();
    await ingest.ingest(path);
    let step = lines;
    return medianMs(300, async () => {
      appendFileSync(path, jsonlLine(++step));
      await ingest.ingest(path);
    });
  };
  const small = await cost(10);
  const large = await cost(300_000);
  rows.push([
    'one appended line, read',
    `${(small * 1000).toFixed(0)} µs (10-line file) vs ${(large * 1000).toFixed(0)} µs (300,000-line file)`,
    `${(large / small).toFixed(2)}× (1.0 = independent of file size)`,
  ]);
}

async function trainerStateReparse(): Promise<void> {
  const history = Array.from({ length: 5000 }, (_, i) =>
    i % 10 === 9
      ? { epoch: i / 100, eval_loss: 1.5, eval_mean_token_accuracy: 0.5, eval_runtime: 1, step: i }
      : { epoch: i / 100, grad_norm: 1.2, learning_rate: 1e-5, loss: 2, step: i },
  );
  const text = JSON.stringify({ global_step: 5000, log_history: history }, null, 2);
  const bytes = new TextEncoder().encode(text);
  const reference = await medianMs(20, () => JSON.parse(text));
  // The format's read as the reader does it: from the file's bytes (log_history scanned in place).
  const ours = await medianMs(20, () => (TRAINER_STATE_FORMAT.kind === 'whole' ? TRAINER_STATE_FORMAT.parse(bytes, 'trainer_state.json') : undefined));
  rows.push(['trainer_state.json rewrite (5,000 entries)', `${ours.toFixed(1)} ms`, `${(ours / reference).toFixed(2)}× JSON.parse alone`]);
}

/** Heap and array buffers together: a store of typed arrays keeps its points outside the JS heap. */
function memoryUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function storeMemory(): void {
  const runs = 1000;
  const points = 10_000;
  const before = memoryUsed();
  const store = new RunStore();
  for (let r = 0; r < runs; r++) {
    const batch = [];
    for (let step = 0; step < points / 2; step++) {
      batch.push({ key: 'loss', step, value: Math.random() }, { key: 'eval_loss', step, value: Math.random() });
    }
    store.addPoints(`/runs/${r}`, { path: `/runs/${r}/metrics.jsonl`, format: 'jsonl' }, batch);
  }
  const used = (memoryUsed() - before) / 1e6;
  if (store.runIds().length !== runs) throw new Error('store lost runs');
  // The reference, after the store: array buffers are freed after a collection, not during it, so one measured
  // first would still be counted in the store's baseline.
  const rawBefore = memoryUsed();
  const raw = Array.from({ length: runs }, () => new Float64Array(2 * points));
  const rawBytes = memoryUsed() - rawBefore;
  if (raw.length !== runs) throw new Error('lost the reference');
  rows.push([
    'store: 1,000 runs × 10,000 points, memory per point',
    `${used.toFixed(0)} MB heap and buffers, ${((used * 1e6) / (runs * points)).toFixed(1)} bytes a point`,
    `${((used * 1e6) / rawBytes).toFixed(2)}× the same points as Float64 step/value pairs (${(rawBytes / (runs * points)).toFixed(1)} bytes a point)`,
  ]);
}

async function analysisPerUpdate(): Promise<void> {
  const store = new RunStore();
  const batch = [];
  for (let step = 0; step < 10_000; step++) batch.push({ key: 'loss', step, value: 2 - step / 1e4 });
  for (let k = 0; k < 200; k++)
    batch.push({ key: 'eval_loss', step: k * 50, value: 1.5 + (k - 50) ** 2 / 1e4 }, { key: 'eval_mean_token_accuracy', step: k * 50, value: 0.4 + k / 1000 });
  store.addPoints('/r', { path: '/r/m.jsonl', format: 'jsonl' }, batch);
  const snapshot = store.snapshot('/r');
  if (snapshot === undefined) throw new Error('no run');
  const reference = await medianMs(50, () => JSON.stringify(snapshot.metrics.get('loss')));
  const ours = await medianMs(50, () => buildRunView(snapshot, 'r'));
  rows.push(['analysis + view of a 10,000-point run', `${ours.toFixed(2)} ms`, `${(ours / reference).toFixed(2)}× serializing its train-loss series once`]);
}

async function downsampling(): Promise<void> {
  const steps = Array.from({ length: 100_000 }, (_, i) => i);
  const values = steps.map((i) => Math.sin(i / 100) + Math.random() * 0.1);
  const reference = await medianMs(5, () => {
    for (let r = 0; r < 50; r++) values.reduce((a, b) => a + b, 0);
  });
  const ours = await medianMs(5, () => {
    for (let r = 0; r < 50; r++) downsampleMinMax({ steps, values }, 2000);
  });
  rows.push(['downsampling 50 runs × 100,000 points', `${ours.toFixed(0)} ms`, `${(ours / reference).toFixed(2)}× one pass summing the same values`]);
}

async function main(): Promise<void> {
  try {
    await coldRead();
    await scan();
    await appendCost();
    await trainerStateReparse();
    await analysisPerUpdate();
    await downsampling();
    rows.push(...(await linesBench()));
    rows.push(...(await mlflowDbBench(dir)));
    rows.push(...(await tfeventsBench(dir)));
    rows.push(...(await trackersBench(dir)));
    rows.push(...(await panelBench()));
    rows.push(...recordsBench(dir));
    storeMemory();
    rows.push(...(await sessionBench(dir)));
    rows.push(...(await webviewBench()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  for (const row of rows) process.stdout.write(row.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ') + '\n');
}

void main();
