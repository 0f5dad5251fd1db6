import * as zlib from 'node:zlib';
import { varint } from './varint';

/** Node's zlib CRC-32 (Node ≥ 20.15), else the plain bit-by-bit definition: either way not the reader's table code. */
function crc32(data: Uint8Array, previous = 0): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data, previous);
  let crc = ~previous >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/**
 * Writes `.wandb` files as W&B's datastore.py does, for fixtures: a second implementation of the format,
 * written from W&B's writer rather than from our reader, with Node's own zlib CRC-32.
 */
export function lengthField(field: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return message(Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes);
}

export function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

export function message(...fields: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(fields));
}

/** `{key = 1, value_json = 16}`: a history, summary or config item. */
function item(key: string, value: unknown): Uint8Array {
  return message(lengthField(1, key), lengthField(16, typeof value === 'string' && value.startsWith('RAW:') ? value.slice(4) : JSON.stringify(value)));
}

/**
 * Record { history = 2: HistoryRecord { item = 1 …, step = 2 { num = 1 } } }. Step 0 is an empty HistoryStep, as
 * W&B 0.30 writes it (proto3 leaves out the zero `num`, not the message); an undefined step leaves the message
 * out, as newer SDKs and shared mode do for rows logged without one.
 */
export function historyRecord(values: Record<string, unknown>, step: number | undefined): Uint8Array {
  const items = Object.entries(values).map(([key, value]) => lengthField(1, item(key, value)));
  const stepField = step === undefined ? new Uint8Array(0) : lengthField(2, step === 0 ? new Uint8Array(0) : varintField(1, step));
  return message(varintField(1, (step ?? 0) + 1), lengthField(2, message(...items, stepField)));
}

/** Record { config = 5: ConfigRecord { update = 1 … } }: what `wandb.config.update` writes (HF's TrainingArguments). */
export function configRecord(values: Record<string, unknown>): Uint8Array {
  return lengthField(5, message(...Object.entries(values).map(([key, value]) => lengthField(1, item(key, value)))));
}

export function summaryRecord(values: Record<string, unknown>): Uint8Array {
  return lengthField(3, message(...Object.entries(values).map(([key, value]) => lengthField(1, item(key, value)))));
}

/** RunRecord { run_id = 1, config = 4, display_name = 8, starting_step = 14, resume = 24 }. */
export function runRecord(displayName: string, config: Record<string, unknown>, resume: { startingStep?: number; resume?: boolean } = {}): Uint8Array {
  const configRecord = message(...Object.entries(config).map(([key, value]) => lengthField(1, item(key, value))));
  const fields = [lengthField(1, 'abc123'), lengthField(4, configRecord), lengthField(8, displayName)];
  if (resume.startingStep !== undefined) fields.push(varintField(14, resume.startingStep));
  if (resume.resume === true) fields.push(varintField(24, 1));
  return lengthField(17, message(...fields));
}

/** Record { exit = 18 { exit_code = 1 } }: the run finished (code 0 left out, as proto3 does). */
export function exitRecord(code = 0): Uint8Array {
  return lengthField(18, code === 0 ? new Uint8Array(0) : varintField(1, code));
}

/** A summary update with a nested key (`_wandb` → `runtime`), as W&B writes its run-time bookkeeping. */
export function nestedSummaryRecord(path: readonly string[], value: unknown): Uint8Array {
  return lengthField(3, lengthField(1, message(...path.map((part) => lengthField(2, part)), lengthField(16, JSON.stringify(value)))));
}

/** Record { output_raw = 13 { line = 2 } }: console output, which the reader must step over. */
export function outputRecord(text: string): Uint8Array {
  return lengthField(13, lengthField(2, text));
}

const BLOCK = 32 * 1024;

/** The framed file, with the byte range [start, end) that each record's chunks span. */
export function wandbFile(records: readonly Uint8Array[]): { bytes: Uint8Array; spans: Array<[number, number]> } {
  const parts: Uint8Array[] = [Uint8Array.from([0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0])];
  let length = 7;
  const spans: Array<[number, number]> = [];
  for (const record of records) {
    let start = -1;
    let rest = record;
    let first = true;
    for (;;) {
      const left = BLOCK - (length % BLOCK);
      if (left < 7) {
        parts.push(new Uint8Array(left));
        length += left;
        continue;
      }
      const take = Math.min(rest.length, left - 7);
      const last = take === rest.length;
      const type = first && last ? 1 : first ? 2 : last ? 4 : 3;
      const data = rest.subarray(0, take);
      const crc = crc32(data, crc32(Uint8Array.of(type))) >>> 0;
      if (start < 0) start = length;
      parts.push(Uint8Array.of(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24, take & 0xff, take >>> 8, type), data);
      length += 7 + take;
      rest = rest.subarray(take);
      first = false;
      if (last) break;
    }
    spans.push([start, length]);
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), spans };
}
