import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MetricPoint } from '../../src/core/types';

/** Real logs from public repositories live beside the project (never inside it); tests say when they are absent. */
export const SAMPLES_DIR = resolve(process.env['TAL_SAMPLES_DIR'] ?? join(__dirname, '../../../../shared/samples'));

export function sampleFiles(folder: string, suffix: string): string[] {
  const dir = join(SAMPLES_DIR, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name));
}

export const samplesSkipReason = (folder: string): string | false =>
  existsSync(join(SAMPLES_DIR, folder)) ? false : `real samples not found at ${join(SAMPLES_DIR, folder)}`;

export function byKey(points: readonly MetricPoint[], key: string): Array<[number, number]> {
  return points.filter((point) => point.key === key).map((point) => [point.step, point.value]);
}

/** Builds a trainer_state.json text as transformers writes it (indent 2, sorted keys, bare NaN). */
export function trainerStateText(logHistory: readonly Record<string, number | string | number[]>[]): string {
  const body = JSON.stringify({ best_metric: null, epoch: 1, global_step: 0, log_history: logHistory }, null, 2);
  return body.replace(/"__NaN__"/g, 'NaN').replace(/"__Inf__"/g, 'Infinity') + '\n';
}
