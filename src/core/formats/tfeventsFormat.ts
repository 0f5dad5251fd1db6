import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { maskedCrc32c } from './crc32c';
import type { AppendOnlyFormat, LogFile } from './logFormat';
import { MalformedMessage, WireReader } from './protobufWire';
import { decodeEvent, EventScalars } from './tfEvent';

/**
 * Where reading a TFRecord file stopped. A record whose bytes have not all arrived waits in `pending`
 * (writers flush whenever their queue fills, so a half-written last record is normal). After a record
 * whose length fails its checksum nothing later can be framed, so the file is `stopped`.
 */
export interface TfeventsCursor {
  /** File offset of the first byte of `pending`, for problems that name where a record is. */
  readonly offset: number;
  readonly pending: Uint8Array;
  readonly stopped: boolean;
}

export const EMPTY_TFEVENTS_CURSOR: TfeventsCursor = { offset: 0, pending: new Uint8Array(0), stopped: false };

/** Length (8) + its CRC (4) before the data; the data's CRC (4) after it. */
const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/** Folders that Keras (`train/`, `validation/`) and the TF Estimator/Object Detection API (`eval/`) use for splits of one run. */
const SPLIT_FOLDERS = new Set(['train', 'validation', 'eval']);
/** PyTorch's `add_hparams` writes into a subfolder named by a float timestamp (`runs/Jan28_…/1674944078.0620234/`). */
const TIMESTAMP_FOLDER = /^\d{9,}\.\d+$/;

export function isTfeventsFile(path: string): boolean {
  const name = baseName(path);
  return name.includes('tfevents') && !name.endsWith('.profile-empty');
}

/** The run an events file belongs to: its folder, or the folder above a split or an hparams subfolder. */
export function tfeventsRunDirectory(path: string): string {
  const folder = parentOf(path);
  const name = baseName(folder);
  return SPLIT_FOLDERS.has(name) || TIMESTAMP_FOLDER.test(name) ? parentOf(folder) : folder;
}

/** Keras writes the same tags (`epoch_loss`) into `train/` and `validation/`: the folder keeps the two apart. */
export function tfeventsKeyPrefix(path: string): string {
  const name = baseName(parentOf(path));
  return SPLIT_FOLDERS.has(name) ? `${name}/` : '';
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

export interface TfeventsChunkResult {
  readonly points: MetricPoint[];
  readonly cursor: TfeventsCursor;
  readonly problems: string[];
}

/** Frames and decodes the records in the bytes appended since `cursor`; cost follows the chunk, not the file. */
export function readTfeventsChunk(cursor: TfeventsCursor, chunk: Uint8Array, keyPrefix = ''): TfeventsChunkResult {
  if (cursor.stopped) return { points: [], problems: [], cursor: { ...cursor, offset: cursor.offset + chunk.length } };
  const bytes = concat(cursor.pending, chunk);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new WireReader(bytes, 0, 0);
  const event = new EventScalars();
  const points: MetricPoint[] = [];
  const problems: string[] = [];
  let pos = 0;
  let stopped = false;
  while (bytes.length - pos >= HEADER_BYTES) {
    if (maskedCrc32c(bytes, pos, pos + 8) !== view.getUint32(pos + 8, true)) {
      problems.push(`The record at byte ${cursor.offset + pos} has a corrupt length (checksum mismatch), so the rest of the file cannot be read.`);
      stopped = true;
      break;
    }
    const length = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    const dataStart = pos + HEADER_BYTES;
    const dataEnd = dataStart + length;
    if (dataEnd + FOOTER_BYTES > bytes.length) break;
    if (maskedCrc32c(bytes, dataStart, dataEnd) !== view.getUint32(dataEnd, true)) {
      problems.push(`The record at byte ${cursor.offset + pos} is damaged (checksum mismatch); it was skipped.`);
    } else {
      reader.reset(dataStart, dataEnd);
      decodeInto(reader, event, keyPrefix, points, problems, cursor.offset + pos);
    }
    pos = dataEnd + FOOTER_BYTES;
  }
  const consumed = stopped ? bytes.length : pos;
  return {
    points,
    problems,
    cursor: { offset: cursor.offset + consumed, pending: stopped ? new Uint8Array(0) : bytes.slice(pos), stopped },
  };
}

function decodeInto(reader: WireReader, event: EventScalars, keyPrefix: string, points: MetricPoint[], problems: string[], at: number): void {
  try {
    decodeEvent(reader, event);
  } catch (error) {
    if (!(error instanceof MalformedMessage)) throw error;
    problems.push(`The record at byte ${at} passed its checksum but is not a TensorBoard event (${error.message}); it was skipped.`);
    return;
  }
  const { step, wallTime } = event;
  for (let i = 0; i < event.count; i++) {
    const tag = event.tags[i] as string;
    const key = keyPrefix === '' ? tag : keyPrefix + tag;
    const value = event.values[i] as number;
    points.push(wallTime === undefined ? { key, step, value } : { key, step, value, wallTime });
  }
}

/** TensorBoard event files (`*tfevents*`): TFRecord framing with CRC-32C, scalars only. */
export const TFEVENTS_FORMAT: AppendOnlyFormat<TfeventsCursor> = {
  id: 'tfevents',
  label: 'TensorBoard event file',
  kind: 'append',
  initialCursor: EMPTY_TFEVENTS_CURSOR,
  classify: (path): LogFile | undefined => (isTfeventsFile(path) ? { format: 'tfevents', runDirectory: tfeventsRunDirectory(path) } : undefined),
  readChunk: (cursor, chunk, path) => readTfeventsChunk(cursor, chunk, tfeventsKeyPrefix(path)),
};
