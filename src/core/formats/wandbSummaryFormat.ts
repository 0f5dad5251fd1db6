import { baseName, parentOf } from '../paths';
import type { HostReadFormat, WholeFileResult } from './logFormat';
import { isRecord } from './metricRecord';
import { rowPoints } from './wandbValues';
import { parseWholeFileJson } from './wholeFileJson';

/**
 * `wandb/run-…/files/wandb-summary.json`: the latest value of every key, rewritten during the run. Beside a
 * `.wandb` file it adds nothing (the history holds every value, its summary records the rest), and its
 * values put at the last step would repeat history points at the wrong step; so the host reads it only for
 * runs whose `.wandb` is missing (src/node/wholeFileSources.ts).
 */
export const WANDB_SUMMARY_FORMAT: HostReadFormat = {
  id: 'wandb-summary',
  label: 'W&B wandb-summary.json',
  kind: 'host',
  classify(path) {
    if (baseName(path) !== 'wandb-summary.json') return undefined;
    const files = parentOf(path);
    return baseName(files) === 'files' ? { format: 'wandb-summary', runDirectory: parentOf(files) } : undefined;
  },
};

/** The summary's numbers as points at its last step (`train/global_step` in a Hugging Face run, else `_step`). */
export function parseWandbSummary(text: string): WholeFileResult {
  const json = parseWholeFileJson(text, 'wandb-summary.json');
  if (json.kind === 'incomplete') return json;
  const summary = json.value;
  if (!isRecord(summary)) return { kind: 'invalid', message: 'wandb-summary.json is not a JSON object.' };
  return { kind: 'ok', points: rowPoints(Object.keys(summary), Object.values(summary), 0).points, problems: [] };
}
