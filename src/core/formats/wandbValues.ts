import type { MetricPoint } from '../types';
import { undoHfRewrite } from './hfKeys';
import { parseLenientJson } from './lenientJson';
import { readStep, recordToPoints } from './metricRecord';
import type { WandbItem } from './wandbRecord';

/**
 * Turns W&B's logged values into points. Keys are kept as logged, except in a Hugging Face run (one that
 * logs `train/global_step`): there `rewrite_logs` is undone (`train/loss` → `loss`, `eval/loss` → `eval_loss`)
 * and the global step is the step, so the run's trainer_state.json and its console log (`output.log`) give
 * the same (key, step) pairs and no number counts twice. Otherwise the step is the one the logger chose
 * (Lightning's `trainer/global_step`, a logged `step`), else W&B's own `_step`.
 */
export const HF_STEP_KEY = 'train/global_step';

/** A value_json as a number when it is one (bare `NaN`/`Infinity` included); images, tables and text are not. */
export function jsonValue(text: string): unknown {
  // Most values are plain numbers: Number() reads them (and never a JSON string, which starts with a quote).
  const number = Number(text);
  if (!Number.isNaN(number) && text !== '') return number;
  try {
    return parseLenientJson(text);
  } catch {
    return undefined;
  }
}

export function itemsToRecord(items: readonly WandbItem[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const item of items) record[item.key] = jsonValue(item.valueJson);
  return record;
}

export function isHfRecord(record: Readonly<Record<string, unknown>>): boolean {
  return typeof record[HF_STEP_KEY] === 'number';
}

/** Keys repeat in every record of a run: their original names are worked out once. */
const originalNames = new Map<string, string>();

function originalName(key: string): string {
  let original = originalNames.get(key);
  if (original === undefined) {
    original = undoHfRewrite(key);
    if (originalNames.size < 10_000) originalNames.set(key, original);
  }
  return original;
}

/** The record with HF's renames undone; a key already present under its original name keeps that value. */
function undoRewrite(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const key in record) {
    const original = originalName(key);
    if (original === key || renamed[original] === undefined) renamed[original] = record[key];
  }
  return renamed;
}

/** The step a record is logged at, and its points. `fallbackStep` is W&B's HistoryStep when `_step` is absent. */
export function wandbRecordPoints(record: Readonly<Record<string, unknown>>, hf: boolean, fallbackStep: number): { step: number; points: MetricPoint[] } {
  const keyed = hf ? undoRewrite(record) : record;
  const step = readStep(keyed) ?? fallbackStep;
  return { step, points: recordToPoints(keyed, step) };
}
