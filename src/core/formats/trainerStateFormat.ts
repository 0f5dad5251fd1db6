import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import type { WholeFileFormat, WholeFileResult } from './logFormat';
import { isRecord, writeRecordPoints } from './metricRecord';
import { PointList } from '../pointColumns';
import { parseWholeFileJson } from './wholeFileJson';
import { isLfsPointerText, LFS_POINTER_MESSAGE } from './lfsPointer';
import { scanTrainerState, type ScannedTrainerState } from './trainerStateScan';

/**
 * Hugging Face's Trainer rewrites `trainer_state.json` whole and not atomically, so a reader can catch it
 * empty or cut short. That is `incomplete`: the caller retries and reports it only if the file stays so.
 */
export type TrainerStateResult =
  | { readonly kind: 'ok'; readonly points: MetricPoint[]; readonly bestModelCheckpoint?: string }
  | { readonly kind: 'incomplete'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

export function parseTrainerState(text: string): TrainerStateResult {
  if (isLfsPointerText(text)) return { kind: 'invalid', message: LFS_POINTER_MESSAGE };
  const json = parseWholeFileJson(text);
  if (json.kind === 'incomplete') return json;
  const state = json.value;
  if (!isRecord(state) || !Array.isArray(state['log_history'])) {
    return { kind: 'invalid', message: 'This JSON has no `log_history` array, so it is not a Trainer state.' };
  }
  const list = new PointList();
  for (const entry of state['log_history']) {
    // Into the one array: spreading an array per entry into push cost 90 ms of a 36 MB state's 1.2 s report.
    if (isRecord(entry) && typeof entry['step'] === 'number') writeRecordPoints(entry, entry['step'], list);
  }
  const best = state['best_model_checkpoint'];
  return { kind: 'ok', points: list.points, ...(typeof best === 'string' ? { bestModelCheckpoint: best } : {}) };
}

const decoder = new TextDecoder('utf-8');

/** The format's answer for a file whose scan gave `scanned`: its columns, or (undefined) the whole text's parse. */
export function trainerStateResult(bytes: Uint8Array, scanned: ScannedTrainerState | undefined): WholeFileResult {
  if (scanned !== undefined) return { kind: 'ok', points: [], columns: scanned.columns, problems: [] };
  const result = parseTrainerState(decoder.decode(bytes));
  return result.kind === 'ok' ? { kind: 'ok', points: result.points, problems: [] } : result;
}

/** Hugging Face's `trainer_state.json`; the run is the output_dir that holds a `checkpoint-N` folder's copy. */
export const TRAINER_STATE_FORMAT: WholeFileFormat = {
  id: 'hf-trainer-state',
  label: 'Hugging Face trainer_state.json',
  kind: 'whole',
  classify(path) {
    if (baseName(path) !== 'trainer_state.json') return undefined;
    const directory = parentOf(path);
    const runDirectory = /^checkpoint-\d+$/.test(baseName(directory)) ? parentOf(directory) : directory;
    return { format: 'hf-trainer-state', runDirectory };
  },
  parse(bytes) {
    // log_history read in place into columns; a file the scan cannot read exactly as the text parse would takes that parse.
    return trainerStateResult(bytes, scanTrainerState(bytes));
  },
};
