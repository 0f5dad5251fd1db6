import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { PointColumns, PointList, type PointWriter } from '../pointColumns';
import { maskedCrc32c, maskedCrc32cIn } from './crc32c';
import type { AppendOnlyFormat, ColumnChunkResult, LogFile, RunInfo, SniffResult } from './logFormat';
import { MalformedMessage, WireReader } from './protobufWire';
import { decodeEvent, EventScalars } from './tfEvent';
import { concatBytes } from './concatBytes';
import { FOOTER_BYTES, HEADER_BYTES, type LengthMemo, recordLength } from './tfrecordChecks';

/**
 * Where reading a TFRecord file stopped. A record whose bytes have not all arrived waits in `pending`
 * (writers flush whenever their queue fills, so a half-written last record is normal). Once its length is
 * known, `pending` is a buffer of the record's exact size, filled as bytes arrive, so a record of many
 * megabytes (a TF1 merged summary with histograms) is copied once, not once per chunk. Only the bytes
 * past `filled` are ever written, so an earlier cursor still sees what it saw. After a record whose
 * length fails its checksum nothing later can be framed, so the file is `stopped`.
 */
export interface TfeventsCursor {
  /** File offset of the first byte of `pending`, for problems that name where a record is. */
  readonly offset: number;
  readonly pending: Uint8Array;
  readonly filled: number;
  readonly stopped: boolean;
}

export const EMPTY_TFEVENTS_CURSOR: TfeventsCursor = { offset: 0, pending: new Uint8Array(0), filled: 0, stopped: false };

/** Folders that Keras (`train/`, `validation/`) and the TF Estimator/Object Detection API (`eval/`) use for splits of one run. */
const SPLIT_FOLDERS = new Set(['train', 'validation', 'eval']);

export function isTfeventsFile(path: string): boolean {
  const name = baseName(path);
  return name.includes('tfevents') && !name.endsWith('.profile-empty');
}

/**
 * The run an events file belongs to: its folder, or the folder above a split. PyTorch's `add_hparams` writes
 * each call into a subfolder of its own (`runs/Jan28_…/1674944078.0620234/`, named by the time unless given a
 * `run_name`) holding that trial's metric values: each such folder is a run, as TensorBoard's HParams
 * dashboard shows one session per folder. Folded into the folder above, five trials' values met at one step
 * and four were lost.
 */
export function tfeventsRunDirectory(path: string): string {
  const folder = parentOf(path);
  return SPLIT_FOLDERS.has(baseName(folder)) ? parentOf(folder) : folder;
}

/** Keras writes the same tags (`epoch_loss`) into `train/` and `validation/`: the folder keeps the two apart. */
export function tfeventsKeyPrefix(path: string): string {
  const name = baseName(parentOf(path));
  return SPLIT_FOLDERS.has(name) ? `${name}/` : '';
}

export interface TfeventsChunkResult {
  readonly points: MetricPoint[];
  readonly cursor: TfeventsCursor;
  readonly problems: string[];
  /** An `add_hparams` session's hyperparameters, as the parameters of its run. */
  readonly runInfo?: RunInfo;
}

/** Frames and decodes the records in the bytes appended since `cursor`; cost follows the chunk, not the file. */
export function readTfeventsChunk(cursor: TfeventsCursor, chunk: Uint8Array, keyPrefix = ''): TfeventsChunkResult {
  const list = new PointList();
  return { points: list.points, ...readTfevents(cursor, chunk, keyPrefix, list) };
}

/** `readTfeventsChunk` with the points as columns: no object per point. */
export function readTfeventsColumns(cursor: TfeventsCursor, chunk: Uint8Array, keyPrefix = ''): ColumnChunkResult<TfeventsCursor> {
  // A scalar record takes 40 bytes or more (framing 16, wall time 9, summary and value 11, a tag).
  const columns = new PointColumns(chunk.length / 40);
  return { columns, ...readTfevents(cursor, chunk, keyPrefix, columns) };
}

/**
 * `readTfeventsColumns` without checking each record's data against its checksum (lengths are still checked,
 * so the framing is the same): for a chunk whose records a helper thread has checked in the same bytes and
 * found whole (TfrecordChecks).
 */
export function readTfeventsColumnsUnchecked(cursor: TfeventsCursor, chunk: Uint8Array, keyPrefix = ''): ColumnChunkResult<TfeventsCursor> {
  const columns = new PointColumns(chunk.length / 40);
  return { columns, ...readTfevents(cursor, chunk, keyPrefix, columns, false) };
}

function readTfevents(
  cursor: TfeventsCursor,
  chunk: Uint8Array,
  keyPrefix: string,
  writer: PointList | PointColumns,
  checkData = true,
): { cursor: TfeventsCursor; problems: string[]; runInfo?: RunInfo } {
  if (cursor.stopped) return { problems: [], cursor: { ...cursor, offset: cursor.offset + chunk.length } };
  const out: Framed = {
    writer,
    columns: writer instanceof PointColumns ? writer : undefined,
    problems: [],
    keyPrefix,
    event: new EventScalars(),
    hparams: undefined,
    checkedLength: -1,
    checkedLengthCrc: 0,
    checkData,
  };
  let offset = cursor.offset;
  let bytes = chunk;
  let waiting = cursor;
  if (waiting.filled > 0 && waiting.filled < HEADER_BYTES) {
    // A header cut at the chunk's start is completed from the chunk's first bytes: with its length known the
    // record is filled as below, and the chunk is not copied whole behind the few bytes (a quarter of a
    // large file's chunks end within a header). A length that fails its checksum is framed as it always was.
    const take = Math.min(chunk.length, HEADER_BYTES - waiting.filled);
    const header = concatBytes(waiting.pending.subarray(0, waiting.filled), chunk.subarray(0, take));
    if (header.length < HEADER_BYTES) return { problems: out.problems, cursor: { offset, pending: header, filled: header.length, stopped: false } };
    const length = recordLength(new DataView(header.buffer, header.byteOffset, header.byteLength), header, 0, out);
    if (length < 0) bytes = concatBytes(header, chunk.subarray(take));
    else {
      const record = new Uint8Array(HEADER_BYTES + length + FOOTER_BYTES);
      record.set(header);
      waiting = { offset, pending: record, filled: HEADER_BYTES, stopped: false };
      bytes = chunk.subarray(take);
    }
  }
  if (waiting.filled >= HEADER_BYTES) {
    const record = waiting.pending;
    const take = Math.min(bytes.length, record.length - waiting.filled);
    record.set(bytes.subarray(0, take), waiting.filled);
    const filled = waiting.filled + take;
    if (filled < record.length) return { problems: out.problems, cursor: { offset, pending: record, filled, stopped: false } };
    frame(record, offset, out);
    offset += record.length;
    bytes = bytes.subarray(take);
  }
  const { consumed, stopped, needed } = frame(bytes, offset, out);
  const rest = bytes.subarray(consumed);
  let pending: Uint8Array;
  if (stopped) pending = new Uint8Array(0);
  else if (needed === undefined) pending = rest.slice();
  else {
    pending = new Uint8Array(needed);
    pending.set(rest);
  }
  const cursorAfter = { offset: offset + consumed, pending, filled: stopped ? 0 : rest.length, stopped };
  return { problems: out.problems, cursor: cursorAfter, ...(out.hparams === undefined ? {} : { runInfo: { parameters: out.hparams } }) };
}

interface Framed extends LengthMemo {
  readonly writer: PointWriter;
  /** The writer when it numbers its keys: the in-place reader then finds a tag's column without a lookup. */
  readonly columns: PointColumns | undefined;
  readonly problems: string[];
  readonly keyPrefix: string;
  readonly event: EventScalars;
  hparams: Record<string, string | number | boolean> | undefined;
  /** False when a helper thread checks each record's data (readTfeventsColumnsUnchecked). */
  readonly checkData: boolean;
}

/**
 * Reads the complete records at the start of `bytes` (which begin at file offset `offset`). Says how many
 * bytes they took, whether a corrupt length stopped the file, and, when an unfinished record's length is
 * known, how many bytes that record needs in all.
 */
function frame(bytes: Uint8Array, offset: number, out: Framed): { consumed: number; stopped: boolean; needed?: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new WireReader(bytes, 0, 0);
  let pos = 0;
  while (bytes.length - pos >= HEADER_BYTES) {
    const length = recordLength(view, bytes, pos, out);
    if (length < 0) {
      out.problems.push(`The record at byte ${offset + pos} has a corrupt length (checksum mismatch), so the rest of the file cannot be read.`);
      return { consumed: bytes.length, stopped: true };
    }
    const dataStart = pos + HEADER_BYTES;
    const dataEnd = dataStart + length;
    if (dataEnd + FOOTER_BYTES > bytes.length) return { consumed: pos, stopped: false, needed: HEADER_BYTES + length + FOOTER_BYTES };
    if (out.checkData && maskedCrc32cIn(view, bytes, dataStart, dataEnd) !== view.getUint32(dataEnd, true)) {
      out.problems.push(`The record at byte ${offset + pos} is damaged (checksum mismatch); it was skipped.`);
    } else if (!decodeSimpleValue(bytes, view, dataStart, dataEnd, out)) {
      reader.reset(dataStart, dataEnd);
      decodeInto(reader, out.event, out.keyPrefix, out.writer, out.problems, offset + pos);
      if (out.event.hparams !== undefined) out.hparams = { ...out.hparams, ...out.event.hparams };
    }
    pos = dataEnd + FOOTER_BYTES;
  }
  return { consumed: pos, stopped: false };
}

/** Steps of up to this many varint bytes (2^35) are read inline; a longer one takes the general decoder. */
const INLINE_STEP_BYTES = 5;

/**
 * The Event almost every record of a scalar log is, read in place: `wall_time`, `step`, and a summary of one
 * value holding a tag and either a `simple_value` (PyTorch's SummaryWriter, TF1) or a one-float tensor
 * (`dtype` DT_FLOAT, an empty shape, the float as `float_val` or as 4 bytes of `tensor_content`: TensorBoard's
 * own writer, PyTorch's `new_style`, TF2) with or without metadata naming the scalars plugin, each field with
 * one-byte lengths. Anything else (several values, other plugins, images, a long tag) returns false and takes
 * `decodeEvent`, which reads these layouts to the same point: the tfevents tests run every fixture through both.
 */
function decodeSimpleValue(bytes: Uint8Array, view: DataView, start: number, end: number, out: Framed): boolean {
  let p = start;
  if (bytes[p] !== 0x09 || p + 9 > end) return false;
  const wallTime = view.getFloat64(p + 1, true);
  p += 9;
  let step = 0;
  if (bytes[p] === 0x10) {
    p++;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === INLINE_STEP_BYTES || p >= end) return false;
      const byte = bytes[p++] as number;
      step += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
  }
  // summary = 5 { value = 1 { tag = 1, then the number } }, every length one byte, nothing after.
  if (bytes[p] !== 0x2a || p + 2 + (bytes[p + 1] as number) !== end || bytes[p + 2] !== 0x0a || p + 4 + (bytes[p + 3] as number) !== end) return false;
  const tagLength = bytes[p + 5] as number;
  const tagStart = p + 6;
  const tagEnd = tagStart + tagLength;
  if (bytes[p + 4] !== 0x0a || tagLength >= 0x80) return false;
  const valueAt = bytes[tagEnd] === 0x15 && tagEnd + 5 === end ? tagEnd + 1 : scalarTensorAt(bytes, tagEnd, end);
  if (valueAt < 0) return false;
  const entry = out.event.tagEntryIn(view, bytes, tagStart, tagEnd);
  const value = view.getFloat32(valueAt, true);
  const columns = out.columns;
  if (columns === undefined) out.writer.add(out.keyPrefix + entry.text, step, value, undefined, wallTime);
  else {
    if (entry.columnId < 0) entry.columnId = columns.keyId(out.keyPrefix + entry.text);
    columns.addWithId(entry.columnId, step, value, undefined, wallTime);
  }
  return true;
}

/** `tensor = 8 { dtype = 1: DT_FLOAT, tensor_shape = 2 {} }` up to the float's field key. */
const FLOAT_TENSOR = [0x42, 0x0a, 0x08, 0x01, 0x12, 0x00];
const FLOAT_VAL = 0x2a;
const TENSOR_CONTENT = 0x22;
/** `metadata = 9 { plugin_data = 1 { plugin_name = 1: "scalars" } }`, optionally followed by `data_class = 4: DATA_CLASS_SCALAR`. */
const SCALARS_METADATA_LENGTH = 11;
const SCALARS_METADATA = [0x4a, SCALARS_METADATA_LENGTH, 0x0a, 0x09, 0x0a, 0x07, ...Array.from('scalars', (c) => c.charCodeAt(0))];
const SCALAR_DATA_CLASS = [0x20, 0x01];

/**
 * Where the float of a one-float tensor starts when `[at, end)` is exactly that tensor and at most one scalars
 * metadata, in either order; -1 for anything else.
 */
function scalarTensorAt(bytes: Uint8Array, at: number, end: number): number {
  let valueAt = -1;
  let metadata = false;
  let p = at;
  while (p < end) {
    if (bytes[p] === 0x42) {
      if (valueAt >= 0 || p + 12 > end || !bytesAre(bytes, p, FLOAT_TENSOR)) return -1;
      const key = bytes[p + 6];
      if ((key !== FLOAT_VAL && key !== TENSOR_CONTENT) || bytes[p + 7] !== 4) return -1;
      valueAt = p + 8;
      p += 12;
    } else if (bytes[p] === 0x4a) {
      if (metadata || p + SCALARS_METADATA.length > end) return -1;
      const withClass = bytes[p + 1] === SCALARS_METADATA_LENGTH + SCALAR_DATA_CLASS.length;
      if (!withClass && bytes[p + 1] !== SCALARS_METADATA_LENGTH) return -1;
      if (!bytesAre(bytes, p + 2, SCALARS_METADATA, 2)) return -1;
      p += SCALARS_METADATA.length;
      if (withClass) {
        if (p + 2 > end || !bytesAre(bytes, p, SCALAR_DATA_CLASS)) return -1;
        p += 2;
      }
      metadata = true;
    } else return -1;
  }
  return p === end ? valueAt : -1;
}

/** Whether `bytes` at `at` holds `expected` from its index `from` on. */
function bytesAre(bytes: Uint8Array, at: number, expected: readonly number[], from = 0): boolean {
  for (let i = from; i < expected.length; i++) if (bytes[at + i - from] !== expected[i]) return false;
  return true;
}

function decodeInto(reader: WireReader, event: EventScalars, keyPrefix: string, writer: PointWriter, problems: string[], at: number): void {
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
    writer.add(key, step, value, undefined, wallTime);
  }
}

/**
 * TensorBoard counts any file whose name contains `tfevents` as an event file, which also takes in a
 * `tfevents_utils.py`: a real one starts with a record header whose length passes its checksum.
 */
export function sniffTfevents(head: Uint8Array): SniffResult {
  if (head.length < HEADER_BYTES) return 'need-more';
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return maskedCrc32c(head, 0, 8) === view.getUint32(8, true) ? 'log' : 'not-a-log';
}

/** TensorBoard event files (`*tfevents*`): TFRecord framing with CRC-32C, scalars only. */
export const TFEVENTS_FORMAT: AppendOnlyFormat<TfeventsCursor> = {
  id: 'tfevents',
  label: 'TensorBoard event file',
  kind: 'append',
  initialCursor: EMPTY_TFEVENTS_CURSOR,
  classify: (path): LogFile | undefined => (isTfeventsFile(path) ? { format: 'tfevents', runDirectory: tfeventsRunDirectory(path) } : undefined),
  sniff: sniffTfevents,
  readChunk: (cursor, chunk, path) => readTfeventsChunk(cursor, chunk, tfeventsKeyPrefix(path)),
  readColumns: (cursor, chunk, path) => readTfeventsColumns(cursor, chunk, tfeventsKeyPrefix(path)),
  readColumnsUnchecked: (cursor, chunk, path) => readTfeventsColumnsUnchecked(cursor, chunk, tfeventsKeyPrefix(path)),
};
