import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import type { WholeFileFormat, WholeFileResult } from './logFormat';
import { isRecord } from './metricRecord';
import { parseWholeFileJson } from './wholeFileJson';

/**
 * `trainer.save_metrics(split, …)` writes `<split>_results.json` and merges every split into `all_results.json`;
 * scripts that keep several often prefix them (`final_eval_results.json`, `run3-all_results.json`).
 */
const RESULTS_FILE = /(^|[_.-])(all|train|eval|test|predict)_results\.json$/;

/**
 * A results file is one JSON object of summary numbers with no step: the points come out at step 0 and,
 * because the format says `finalValues`, the ingest moves them to the run's last step. `epoch` says where
 * in training they stand, so it goes with the points rather than being a series of its own.
 */
export function parseHfResults(text: string): WholeFileResult {
  const json = parseWholeFileJson(text);
  if (json.kind === 'incomplete') return json;
  const value = json.value;
  if (!isRecord(value)) return { kind: 'invalid', message: 'This results file is not a JSON object of metrics.' };
  const epoch = typeof value['epoch'] === 'number' ? value['epoch'] : undefined;
  const points: MetricPoint[] = [];
  for (const [key, number] of Object.entries(value)) {
    if (typeof number !== 'number' || key === 'epoch') continue;
    points.push(epoch === undefined ? { key, step: 0, value: number } : { key, step: 0, value: number, epoch });
  }
  return { kind: 'ok', points, problems: [] };
}

const decoder = new TextDecoder('utf-8');

/** Hugging Face's `all_results.json`, `train_results.json`, `eval_results.json`: the run's summary, in its output_dir. */
export const HF_RESULTS_FORMAT: WholeFileFormat = {
  id: 'hf-results',
  label: 'Hugging Face results file',
  kind: 'whole',
  finalValues: true,
  classify: (path) => (RESULTS_FILE.test(baseName(path)) ? { format: 'hf-results', runDirectory: parentOf(path) } : undefined),
  parse: (bytes) => parseHfResults(decoder.decode(bytes)),
};
