import { PointList, type PointWriter } from '../pointColumns';
import type { MetricPoint } from '../types';
import { parseNumber } from './consoleLines';

/** Keys that say where a record sits in training rather than measuring it. */
const POSITION_KEYS = new Set(['step', 'global_step', 'current_steps', 'total_steps', 'epoch', '_step', '_timestamp', '_runtime', 'timestamp', 'percentage']);

export const STEP_KEYS = ['step', 'global_step', 'current_steps', 'trainer/global_step', '_step', 'iter', 'iteration'] as const;
const NOT_METRICS = new Set<string>([...POSITION_KEYS, ...STEP_KEYS]);

/** False for keys that place a record (`step`, `epoch`, `_timestamp`, …) rather than measure something. */
export function isMetricKey(key: string): boolean {
  return !NOT_METRICS.has(key);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readStep(record: Record<string, unknown>): number | undefined {
  for (const key of STEP_KEYS) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/**
 * Turns one logged record into points. Numbers count, and so do strings that hold one (LLaMA-Factory
 * writes `"throughput": "1234.56"`, formatted); other strings (elapsed times), lists (thresholds),
 * nested objects and nulls (LLaMA-Factory's absent keys) are skipped.
 */
export function recordToPoints(record: Record<string, unknown>, step: number): MetricPoint[] {
  const list = new PointList();
  writeRecordPoints(record, step, list);
  return list.points;
}

/** `recordToPoints` into a writer the caller owns: a log of many records then fills one array (or one set of columns), not one per record. */
export function writeRecordPoints(record: Record<string, unknown>, step: number, writer: PointWriter): void {
  const epoch = typeof record['epoch'] === 'number' && Number.isFinite(record['epoch']) ? record['epoch'] : undefined;
  const wallTime = typeof record['_timestamp'] === 'number' ? record['_timestamp'] : typeof record['timestamp'] === 'number' ? record['timestamp'] : undefined;
  for (const key in record) {
    const raw = record[key];
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseNumber(raw) : undefined;
    if (value === undefined || NOT_METRICS.has(key)) continue;
    writer.add(key, step, value, epoch, wallTime);
  }
}
