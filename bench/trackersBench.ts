// W&B, MLflow and Lightning readers: the .wandb cold read against a raw read of the same bytes, and the
// cost of one appended record (a .wandb history row, an MLflow metric line) in a large file against a
// small one, measured in the same run.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWandbChunk, WANDB_HISTORY_FORMAT } from '../src/core/formats/wandbHistoryFormat';
import { LogIngest } from '../src/node/logIngest';
import { historyRecord, outputRecord, wandbFile } from '../test/unit/wandbWriter';
import { medianMs, type Row } from './timing';

/** One HF logging step as W&B's callback records it, and a console line between steps as a real run has. */
function hfStep(step: number): Uint8Array[] {
  const values = {
    'train/loss': 2 / Math.log(step + 2),
    'train/grad_norm': 1.3,
    'train/learning_rate': 1e-5,
    'train/epoch': step / 1e4,
    'train/global_step': step,
    _timestamp: 1.7e9 + step,
    _runtime: step,
    _step: step,
  };
  return [
    historyRecord(values, step),
    outputRecord(`{'loss': ${values['train/loss'].toFixed(4)}, 'grad_norm': 1.3, 'learning_rate': 1e-05, 'epoch': ${values['train/epoch']}}`),
  ];
}

function writeWandb(dir: string, name: string, steps: number): string {
  const run = join(dir, 'wandb', name);
  mkdirSync(run, { recursive: true });
  const records = Array.from({ length: steps }, (_, step) => hfStep(step)).flat();
  const path = join(run, `run-${name}.wandb`);
  writeFileSync(path, wandbFile(records).bytes);
  return path;
}

async function wandbColdRead(dir: string): Promise<Row> {
  const path = writeWandb(dir, 'cold', 100_000);
  const bytes = readFileSync(path);
  const raw = await medianMs(5, () => readFileSync(path));
  const decodeOnly = await medianMs(3, () => {
    let cursor = WANDB_HISTORY_FORMAT.initialCursor;
    for (let offset = 0; offset < bytes.length; offset += 1 << 20) cursor = readWandbChunk(cursor, bytes.subarray(offset, offset + (1 << 20))).cursor;
  });
  const ours = await medianMs(3, () => new LogIngest().ingest(path));
  const mb = bytes.length / 1e6;
  return [
    'cold read of a .wandb file',
    `${mb.toFixed(0)} MB, 200,000 records: ours ${(mb / (ours / 1000)).toFixed(0)} MB/s`,
    `${(raw / ours).toFixed(3)}× raw disk read (parse alone, no file or store: ${(raw / decodeOnly).toFixed(2)}×)`,
  ];
}

/** Appends one logging step at a time: the bytes W&B's writer adds for it, padding and framing included. */
async function wandbAppend(dir: string): Promise<Row> {
  const cost = async (name: string, steps: number): Promise<number> => {
    const run = join(dir, 'wandb', name);
    mkdirSync(run, { recursive: true });
    const path = join(run, `run-${name}.wandb`);
    const repeats = 200;
    const { bytes, spans } = wandbFile(Array.from({ length: steps + repeats }, (_, step) => hfStep(step)).flat());
    // Each step is two records; a step's bytes end where its second record ends.
    const stepEnd = (step: number): number => spans[2 * step + 1]?.[1] ?? bytes.length;
    writeFileSync(path, bytes.subarray(0, stepEnd(steps - 1)));
    const ingest = new LogIngest();
    await ingest.ingest(path);
    let step = steps;
    return medianMs(repeats, async () => {
      appendFileSync(path, bytes.subarray(stepEnd(step - 1), stepEnd(step)));
      step++;
      await ingest.ingest(path);
    });
  };
  const small = await cost('append-small', 10);
  const large = await cost('append-large', 100_000);
  return [
    'one appended .wandb history row, read',
    `${(small * 1000).toFixed(0)} µs (10-step file) vs ${(large * 1000).toFixed(0)} µs (100,000-step file)`,
    `${(large / small).toFixed(2)}× (1.0 = independent of file size)`,
  ];
}

async function mlflowAppend(dir: string): Promise<Row> {
  const cost = async (name: string, lines: number): Promise<number> => {
    const metrics = join(dir, name, 'mlruns', '0', '0123456789abcdef0123456789abcdef', 'metrics');
    mkdirSync(metrics, { recursive: true });
    const path = join(metrics, 'loss');
    let text = '';
    for (let step = 0; step < lines; step++) text += `${1700000000000 + step} ${2 / Math.log(step + 2)} ${step}\n`;
    writeFileSync(path, text);
    const ingest = new LogIngest();
    await ingest.ingest(path);
    let step = lines;
    return medianMs(300, async () => {
      appendFileSync(path, `${1700000000000 + step} ${2 / Math.log(step + 2)} ${step++}\n`);
      await ingest.ingest(path);
    });
  };
  const small = await cost('mlflow-small', 10);
  const large = await cost('mlflow-large', 300_000);
  return [
    'one appended MLflow metric line, read',
    `${(small * 1000).toFixed(0)} µs (10-line file) vs ${(large * 1000).toFixed(0)} µs (300,000-line file)`,
    `${(large / small).toFixed(2)}× (1.0 = independent of file size)`,
  ];
}

export async function trackersBench(dir: string): Promise<Row[]> {
  return [await wandbColdRead(dir), await wandbAppend(dir), await mlflowAppend(dir)];
}
