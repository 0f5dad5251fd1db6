// TensorBoard event files and console logs: cold read against a raw read of the same bytes, and the cost
// of one appended tfevents record in a large file against a small one, measured in the same run.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_TFEVENTS_CURSOR, readTfeventsChunk } from '../src/core/formats/tfeventsFormat';
import { LogIngest } from '../src/node/logIngest';
import { eventFile } from '../test/unit/tfeventsWriter';
import { longestBlockMs, medianMs, type Row } from './timing';

/** What PyTorch's SummaryWriter writes for one logged step: two scalars, one event each. */
function steps(from: number, count: number): Uint8Array {
  const events = [];
  for (let step = from; step < from + count; step++) {
    events.push({ wallTime: 1.7e9 + step, step, values: [{ tag: 'train/loss', simple: 2 / Math.log(step + 2) }] });
    events.push({ wallTime: 1.7e9 + step, step, values: [{ tag: 'train/learning_rate', simple: 1e-5 }] });
  }
  return eventFile(events);
}

function writeEvents(dir: string, name: string, count: number): string {
  mkdirSync(join(dir, name));
  const path = join(dir, name, 'events.out.tfevents.1700000000.host.1.0');
  const chunks: Uint8Array[] = [];
  for (let from = 0; from < count; from += 10_000) chunks.push(steps(from, Math.min(10_000, count - from)));
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

export async function tfeventsBench(dir: string): Promise<Row[]> {
  const path = writeEvents(dir, 'tfevents-cold', 200_000);
  const bytes = readFileSync(path);
  const raw = await medianMs(5, () => readFileSync(path));
  const decodeOnly = await medianMs(3, () => {
    let cursor = EMPTY_TFEVENTS_CURSOR;
    for (let offset = 0; offset < bytes.length; offset += 1 << 20) cursor = readTfeventsChunk(cursor, bytes.subarray(offset, offset + (1 << 20))).cursor;
  });
  const ours = await medianMs(3, () => new LogIngest().ingest(path));
  const blocked = await longestBlockMs(() => new LogIngest().ingest(path));
  const mb = bytes.length / 1e6;
  const rows: Row[] = [
    [
      'cold read of a tfevents file',
      `${mb.toFixed(0)} MB, 400,000 records: ours ${(mb / (ours / 1000)).toFixed(0)} MB/s, event loop blocked ${blocked.toFixed(0)} ms at most`,
      `${(raw / ours).toFixed(3)}× raw disk read (parse alone, no file or store: ${(raw / decodeOnly).toFixed(2)}×)`,
    ],
  ];
  const appendCost = async (name: string, count: number): Promise<number> => {
    const file = writeEvents(dir, name, count);
    const ingest = new LogIngest();
    await ingest.ingest(file);
    let step = count;
    return medianMs(300, async () => {
      appendFileSync(file, steps(step++, 1));
      await ingest.ingest(file);
    });
  };
  const small = await appendCost('tfevents-small', 10);
  const large = await appendCost('tfevents-large', 200_000);
  rows.push(await consoleColdRead(dir, raw / bytes.length));
  rows.push([
    'one appended tfevents step, read',
    `${(small * 1000).toFixed(0)} µs (10-step file) vs ${(large * 1000).toFixed(0)} µs (200,000-step file)`,
    `${(large / small).toFixed(2)}× (1.0 = independent of file size)`,
  ]);
  return rows;
}

/** A console log as nanoGPT-style and HF-style trainers print it; compared with the raw read speed measured above. */
async function consoleColdRead(dir: string, rawMsPerByte: number): Promise<Row> {
  mkdirSync(join(dir, 'console'));
  const path = join(dir, 'console', 'train.log');
  const lines: string[] = ['[INFO|trainer.py:2409] >> ***** Running training *****'];
  for (let step = 0; step < 200_000; step++) {
    lines.push(
      step % 2 === 0
        ? `step:${step}/200000 train_loss:${(2 / Math.log(step + 2)).toFixed(4)} train_time:${step * 12}ms step_avg:12.01ms`
        : `{'loss': ${(2 / Math.log(step + 2)).toFixed(4)}, 'grad_norm': 1.95, 'learning_rate': 5e-05, 'epoch': ${(step / 1e4).toFixed(2)}}`,
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
  const size = readFileSync(path).length;
  const raw = await medianMs(5, () => readFileSync(path));
  const ours = await medianMs(3, () => new LogIngest().ingest(path));
  const mb = size / 1e6;
  return [
    'cold read of a console log',
    `${mb.toFixed(0)} MB, 200,000 lines: ours ${(mb / (ours / 1000)).toFixed(0)} MB/s`,
    `${(raw / ours).toFixed(3)}× raw disk read (${((rawMsPerByte * size) / ours).toFixed(3)}× the tfevents file's raw speed)`,
  ];
}
