import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import { framingCursorAt, readFrames, type FramingCursor } from './levelDbLog';
import type { AppendOnlyFormat, ChunkResult, RunInfo } from './logFormat';
import { MalformedMessage } from './protobufWire';
import { decodeWandbRecord, type WandbItem } from './wandbRecord';
import { assignStep, INITIAL_WANDB_STEPS, type WandbSteps } from './wandbSteps';
import { HF_STEP_KEY, itemRow, jsonValue, rowPoints } from './wandbValues';

/**
 * Where reading a `.wandb` file stopped. `seen` (history keys met so far), `pending` and `info` grow as the
 * file is read; they belong to this one file's cursor chain, which readers never fork, and the initial cursor
 * has none of them.
 */
export interface WandbCursor {
  /** The 7-byte file header until all of it has arrived; undefined once checked. */
  readonly header: Uint8Array | undefined;
  readonly framing: FramingCursor;
  readonly broken: boolean;
  readonly seen: Set<string> | undefined;
  /**
   * Summary values of keys history has not had yet, by key. W&B writes the summary a row updates just before
   * the row itself, so a key's first value would come twice, once at the step before; a value stays here
   * until the next row shows whether it was that row's, and is a point of its own only if not (a value set
   * with `run.summary[…] = …`), or when the run exits.
   */
  readonly pending: Map<string, MetricPoint> | undefined;
  readonly info: { name?: string; parameters: Record<string, string | number | boolean> } | undefined;
  readonly hf: boolean;
  readonly lastStep: number;
  readonly steps: WandbSteps;
  /** The run says it resumed another (`resume`) without saying where its steps go on. */
  readonly resumeUnplaced: boolean;
  /** The step its first row without a step got, once one came: said with every read, so the problem stays while the file is read. */
  readonly unplacedFrom: number | undefined;
}

const FILE_HEADER = 7;
const INITIAL: WandbCursor = {
  header: new Uint8Array(0),
  framing: framingCursorAt(FILE_HEADER),
  broken: false,
  seen: undefined,
  pending: undefined,
  info: undefined,
  hf: false,
  lastStep: 0,
  steps: INITIAL_WANDB_STEPS,
  resumeUnplaced: false,
  unplacedFrom: undefined,
};

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

/** A history row's keys and values with `_step` set to the step W&B gives the row, as its sender adds it. */
function historyRow(items: readonly WandbItem[], step: number): { keys: string[]; values: unknown[] } {
  const row = itemRow(items);
  const at = row.keys.indexOf('_step');
  if (at >= 0) row.values[at] = step;
  else {
    row.keys.push('_step');
    row.values.push(step);
  }
  return row;
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
    if (!isWandbHeader(header))
      return {
        points: [],
        cursor: { ...cursor, header: undefined, broken: true },
        problems: ['This file does not start with the W&B header (":W&B", 0xBEE1, version 0), so it was not read.'],
      };
  }
  const framed = readFrames(cursor.framing, bytes);
  const problems = framed.problems;
  const points: MetricPoint[] = [];
  const seen = cursor.seen ?? new Set<string>();
  const pending = cursor.pending ?? new Map<string, MetricPoint>();
  const info = cursor.info ?? { parameters: {} };
  let { hf, lastStep, steps, resumeUnplaced, unplacedFrom } = cursor;
  let infoChanged = false;
  const flushPending = (): void => {
    for (const point of pending.values()) points.push(point);
    pending.clear();
  };
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
        const assigned = assignStep(steps, record.items, record.step);
        steps = assigned.steps;
        if (resumeUnplaced && unplacedFrom === undefined && record.step === undefined && !record.items.some((item) => item.key === '_step'))
          unplacedFrom = assigned.step;
        const row = historyRow(record.items, assigned.step);
        for (const key of row.keys) {
          seen.add(key);
          if (key === HF_STEP_KEY) hf = true;
        }
        const result = rowPoints(row.keys, row.values, assigned.step);
        lastStep = result.step;
        for (const point of result.points) pending.delete(point.key);
        flushPending();
        for (const point of result.points) points.push(point);
        break;
      }
      case 'summary': {
        // The summary repeats the last value of every history key: only keys that history never had add anything.
        const fresh = record.items.filter((item) => !seen.has(item.key));
        const row = itemRow(fresh);
        for (const point of rowPoints(row.keys, row.values, lastStep, hf).points) pending.set(point.key, point);
        break;
      }
      case 'exit':
        flushPending();
        break;
      case 'config':
        infoChanged = addParameters(info.parameters, record.items) || infoChanged;
        break;
      case 'run':
        if (record.displayName !== undefined && record.displayName !== '') {
          info.name = record.displayName;
          infoChanged = true;
        }
        infoChanged = addParameters(info.parameters, record.config) || infoChanged;
        if (steps.next === undefined) steps = { ...steps, startingStep: Math.max(steps.startingStep, record.startingStep) };
        // Known when the record says, or when the run's earlier folders were read (wandbHistoryFrom).
        resumeUnplaced = record.resume && steps.next === undefined && steps.startingStep === 0;
        break;
    }
  }
  if (unplacedFrom !== undefined) {
    problems.push(
      `This run resumed an earlier one and its rows carry no step: W&B's server numbers them on from the step the run had reached, which this file does not hold, so they are numbered from ${unplacedFrom} here.`,
    );
  }
  const runInfo: RunInfo | undefined = infoChanged ? { ...info, parameters: { ...info.parameters } } : undefined;
  return {
    points,
    problems,
    cursor: { header: undefined, framing: framed.cursor, broken: false, seen, pending, info, hf, lastStep, steps, resumeUnplaced, unplacedFrom },
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

/**
 * The format reading a `.wandb` whose rows go on from `startingStep`: a later folder of a resumed run, whose
 * earlier folders' rows the SDK could not see (an offline resume numbers its rows from 0 again; W&B's server
 * moves them on past the run's last step when they are synced).
 */
export function wandbHistoryFrom(startingStep: number): AppendOnlyFormat<WandbCursor> {
  return { ...WANDB_HISTORY_FORMAT, initialCursor: { ...INITIAL, steps: { next: undefined, startingStep } } };
}

/** The step the next row without one would get, after what a cursor has read: one past the file's last row. */
export function nextWandbStep(cursor: WandbCursor): number {
  return cursor.steps.next ?? cursor.steps.startingStep;
}
