import { isRecord } from '../formats/metricRecord';
import { parseWholeFileJson } from '../formats/wholeFileJson';
import type { MetricPoint } from '../types';
import { evaluationStep } from './evalOutputsFormat';

/** Keys of the per-sample series, apart from the per-token ones: a sample's accuracy is not a token's. */
export const SAMPLE_KEYS = {
  accuracy: 'eval_sample_accuracy_computed',
  samples: 'eval_sample_count_computed',
} as const;

/** Fields that name a sample on their own, in order of preference. */
const ID_FIELDS = ['id', 'sample_id', 'doc_id', 'uid', 'idx'];
/** Fields that together name a sample when no id does (one image is often asked several questions). */
const INPUT_FIELDS = ['img_id', 'image_id', 'image', 'question', 'prompt', 'input'];

/**
 * Per-sample results (a generation evaluation's `eval_results.json`): a JSON object with a list of records,
 * each with a boolean `correct`, written one file per evaluation into an evaluation-output folder.
 */
export interface SampleResults {
  readonly step: number;
  /** Right or wrong by sample key, so two evaluations pair the same samples whatever their order. */
  readonly correct: ReadonlyMap<string, boolean>;
  readonly points: MetricPoint[];
}

export type SampleResultsRead =
  | { readonly kind: 'ok'; readonly results: SampleResults }
  | { readonly kind: 'not-samples' }
  | { readonly kind: 'incomplete' | 'invalid'; readonly message: string };

function field(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A record's key: its id, else its inputs, else its position; a key seen before gets its occurrence appended. */
function sampleKey(record: Record<string, unknown>, index: number): string {
  for (const name of ID_FIELDS) {
    const id = field(record, name);
    if (id !== undefined) return `id:${id}`;
  }
  const inputs = INPUT_FIELDS.map((name) => field(record, name)).filter((value) => value !== undefined);
  return inputs.length > 0 ? `in:${inputs.join('\u0000')}` : `at:${index}`;
}

/** The first list of the object whose records carry a boolean `correct`. */
function sampleList(value: Record<string, unknown>): Record<string, unknown>[] | undefined {
  for (const item of Object.values(value)) {
    if (Array.isArray(item) && item.length > 0 && item.every((record) => isRecord(record) && typeof record['correct'] === 'boolean'))
      return item as Record<string, unknown>[];
  }
  return undefined;
}

/** Reads one file of per-sample results; its step comes from its name, a `checkpoint-N/` folder, or a top-level `step`. */
export function readSampleResults(text: string, path: string, folders: readonly string[]): SampleResultsRead {
  const json = parseWholeFileJson(text, 'The per-sample results file');
  if (json.kind === 'incomplete') return json;
  if (!isRecord(json.value)) return { kind: 'not-samples' };
  const records = sampleList(json.value);
  if (records === undefined) return { kind: 'not-samples' };
  const metadata: Record<string, string> = {};
  for (const name of ['step', 'global_step']) {
    const value = json.value[name];
    if (typeof value === 'number') metadata[name] = String(value);
  }
  const step = evaluationStep(path, metadata, folders);
  if (step === undefined)
    return {
      kind: 'invalid',
      message: 'No step for these per-sample results: name the file step-<N>.json (or put it in checkpoint-<N>/, or give "step" in it).',
    };
  const correct = new Map<string, boolean>();
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const key = sampleKey(record, index);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    correct.set(count === 1 ? key : `${key}#${count}`, record['correct'] === true);
  });
  const right = [...correct.values()].filter(Boolean).length;
  const points = [
    { key: SAMPLE_KEYS.accuracy, step, value: right / correct.size },
    { key: SAMPLE_KEYS.samples, step, value: correct.size },
  ];
  return { kind: 'ok', results: { step, correct, points } };
}

/** The samples two evaluations share, right (1) or wrong (0) in each, in one order: McNemar's input. */
export function pairSamples(first: ReadonlyMap<string, boolean>, second: ReadonlyMap<string, boolean>): { first: Uint8Array; second: Uint8Array } {
  const a: number[] = [];
  const b: number[] = [];
  for (const [key, right] of first) {
    const other = second.get(key);
    if (other === undefined) continue;
    a.push(right ? 1 : 0);
    b.push(other ? 1 : 0);
  }
  return { first: Uint8Array.from(a), second: Uint8Array.from(b) };
}
