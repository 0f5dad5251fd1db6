import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { framingCursorAt, readFrames, type FramingCursor } from './levelDbLog';
import type { AppendOnlyFormat, ChunkResult, RunInfo } from './logFormat';
import { MalformedMessage } from './protobufWire';
import { decodeWandbRecord, type WandbItem } from './wandbRecord';
import { HF_STEP_KEY, itemRow, jsonValue, rowPoints } from './wandbValues';

/**
 * Where reading a `.wandb` file stopped. `seen` (history keys met so far) and `info` grow as the file is read;
 * they belong to this one file's cursor chain, which readers never fork, and the initial cursor has neither.
 */
export interface WandbCursor {
  /** The 7-byte file header until all of it has arrived; undefined once checked. */
  readonly header: Uint8Array | undefined;
  readonly framing: FramingCursor;
  readonly broken: boolean;
  readonly seen: Set<string> | undefined;
  readonly info: { name?: string; parameters: Record<string, string | number | boolean> } | undefined;
  readonly hf: boolean;
  readonly lastStep: number;
}

const FILE_HEADER = 7;
const INITIAL: WandbCursor = { header: new Uint8Array(0), framing: framingCursorAt(FILE_HEADER), broken: false, seen: undefined, info: undefined, hf: false, lastStep: 0 };

/** `":W&B"`, magic 0xBEE1 (little-endian), version 0. */
function isWandbHeader(bytes: Uint8Array): boolean {
  return bytes[0] === 0x3a && bytes[1] === 0x57 && bytes[2] === 0x26 && bytes[3] === 0x42 && bytes[4] === 0xe1 && bytes[5] === 0xbe && bytes[6] === 0;
}

/** Config values as parameters: top-level scalars (W&B's own `_wandb` and nested sections left out). */
function addParameters(target: Record<string, string | number | boolean>, items: readonly WandbItem[]): boolean {
  let added = false;
  for (const item of items) {
    if (item.key.startsWith('_')) continue;
    let value = jsonValue(item.valueJson);
    if (typeof value === 'object' && value !== null && 'value' in value) value = (value as { value: unknown }).value;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    target[item.key] = value;
    added = true;
  }
  return added;
}

export function readWandbChunk(cursor: WandbCursor, chunk: Uint8Array): ChunkResult<WandbCursor> {
  if (cursor.broken) return { points: [], cursor, problems: [] };
  let bytes = chunk;
  if (cursor.header !== undefined) {
    const header = new Uint8Array(Math.min(FILE_HEADER, cursor.header.length + chunk.length));
    header.set(cursor.header, 0);
    header.set(chunk.subarray(0, header.length - cursor.header.length), cursor.header.length);
    bytes = chunk.subarray(header.length - cursor.header.length);
    if (header.length < FILE_HEADER) return { points: [], cursor: { ...cursor, header }, problems: [] };
    if (!isWandbHeader(header)) return { points: [], cursor: { ...cursor, header: undefined, broken: true }, problems: ['This file does not start with the W&B header (":W&B", 0xBEE1, version 0), so it was not read.'] };
  }
  const framed = readFrames(cursor.framing, bytes);
  const problems = framed.problems;
  const points: MetricPoint[] = [];
  const seen = cursor.seen ?? new Set<string>();
  const info = cursor.info ?? { parameters: {} };
  let { hf, lastStep } = cursor;
  let infoChanged = false;
  for (const data of framed.records) {
    let record;
    try {
      record = decodeWandbRecord(data);
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error;
      problems.push(`A record could not be decoded (${error.message}); it was skipped.`);
      continue;
    }
    if (record === undefined) continue;
    switch (record.kind) {
      case 'history': {
        const row = itemRow(record.items);
        for (const key of row.keys) {
          seen.add(key);
          if (key === HF_STEP_KEY) hf = true;
        }
        const result = rowPoints(row.keys, row.values, record.step ?? 0);
        lastStep = result.step;
        for (const point of result.points) points.push(point);
        break;
      }
      case 'summary': {
        // The summary repeats the last value of every history key: only keys that history never had add anything.
        const fresh = record.items.filter((item) => !seen.has(item.key));
        const row = itemRow(fresh);
        const result = rowPoints(row.keys, row.values, lastStep, hf);
        for (const point of result.points) points.push(point);
        break;
      }
      case 'config':
        infoChanged = addParameters(info.parameters, record.items) || infoChanged;
        break;
      case 'run':
        if (record.displayName !== undefined && record.displayName !== '') {
          info.name = record.displayName;
          infoChanged = true;
        }
        infoChanged = addParameters(info.parameters, record.config) || infoChanged;
        break;
    }
  }
  const runInfo: RunInfo | undefined = infoChanged ? { ...info, parameters: { ...info.parameters } } : undefined;
  return {
    points,
    problems,
    cursor: { header: undefined, framing: framed.cursor, broken: false, seen, info, hf, lastStep },
    ...(runInfo === undefined ? {} : { runInfo }),
  };
}

/** W&B's transaction log `wandb/run-<time>-<id>/run-<id>.wandb` (or `offline-run-…`); its folder is the run. */
export const WANDB_HISTORY_FORMAT: AppendOnlyFormat<WandbCursor> = {
  id: 'wandb',
  label: 'W&B run history (.wandb)',
  kind: 'append',
  initialCursor: INITIAL,
  classify: (path) => (baseName(path).endsWith('.wandb') ? { format: 'wandb', runDirectory: parentOf(path) } : undefined),
  sniff: (head) => (head.length < FILE_HEADER ? 'need-more' : isWandbHeader(head) ? 'log' : 'not-a-log'),
  readChunk: readWandbChunk,
};
