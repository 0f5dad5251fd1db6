import type { MetricPoint } from '../types';
import { undoHfRewrite } from './hfKeys';
import { parseLenientJson } from './lenientJson';
import { isMetricKey, STEP_KEYS } from './metricRecord';
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

/**
 * W&B's own bookkeeping, never a user's metric: `_wandb.runtime` (the run's age, in every summary W&B writes)
 * and the rest of its `_wandb` namespace. `_step`, `_runtime` and `_timestamp` are positions (isMetricKey).
 */
function isWandbInternal(key: string): boolean {
  return key === '_wandb' || key.startsWith('_wandb.');
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The points of one logged row, given as parallel keys and values (no object is built per row: a run logs
 * hundreds of thousands). `hf` says the run is a Hugging Face one when the row itself does not show it (a
 * summary row). In an HF row, a key logged under its original name wins over a renamed one.
 */
export function rowPoints(keys: readonly string[], values: readonly unknown[], fallbackStep: number, hf = false): { step: number; points: MetricPoint[] } {
  let isHf = hf;
  for (let i = 0; i < keys.length; i++) if (keys[i] === HF_STEP_KEY && typeof values[i] === 'number') isHf = true;
  const names = isHf ? keys.map(originalName) : keys;
  let step: number | undefined;
  for (const stepKey of STEP_KEYS) {
    for (let i = 0; i < names.length && step === undefined; i++) if (names[i] === stepKey && finite(values[i])) step = values[i] as number;
    if (step !== undefined) break;
  }
  let epoch: number | undefined;
  let wallTime: number | undefined;
  let timestamp: number | undefined;
  for (let i = 0; i < names.length; i++) {
    const value = values[i];
    if (typeof value !== 'number') continue;
    if (names[i] === 'epoch' && Number.isFinite(value)) epoch = value;
    else if (names[i] === '_timestamp') wallTime = value;
    else if (names[i] === 'timestamp') timestamp = value;
  }
  wallTime ??= timestamp;
  const at = step ?? fallbackStep;
  const points: MetricPoint[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const value = values[i];
    if (typeof value !== 'number' || !isMetricKey(name) || isWandbInternal(name)) continue;
    if (isHf && name !== keys[i] && keys.includes(name)) continue;
    const point: { key: string; step: number; value: number; epoch?: number; wallTime?: number } = { key: name, step: at, value };
    if (epoch !== undefined) point.epoch = epoch;
    if (wallTime !== undefined) point.wallTime = wallTime;
    points.push(point);
  }
  return { step: at, points };
}

/** A history, summary or config row's items as parallel keys and values. */
export function itemRow(items: readonly WandbItem[]): { keys: string[]; values: unknown[] } {
  const keys: string[] = new Array<string>(items.length);
  const values: unknown[] = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as WandbItem;
    keys[i] = item.key;
    values[i] = jsonValue(item.valueJson);
  }
  return { keys, values };
}
