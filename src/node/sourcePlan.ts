import { basename, dirname, join } from 'node:path';
import { CONSOLE_METRICS_FORMAT } from '../core/formats/consoleMetricsFormat';
import { undoHfRewrite } from '../core/formats/hfKeys';
import type { LogFile } from '../core/formats/logFormat';
import type { MetricPoint } from '../core/types';
import { FolderListings } from './folderListings';

/**
 * How one file's points enter the run store, decided by what sits beside it on disk. Files of one Hugging
 * Face output_dir hold the same numbers several times: its TensorBoardCallback writes
 * `<output_dir>/runs/<name>/events…` with renamed keys and float32 values, and a console log beside
 * `trainer_state.json` (or LLaMA-Factory's `trainer_log.jsonl`) prints every logged dict again (without
 * steps); so does a W&B run's `files/output.log` beside its `run-<id>.wandb` history. Such a console gives
 * only its `log_metrics` values that no dict printed (`train_samples`, `eval_samples`). The output_dir is recognised by
 * its `trainer_state.json`, or one in a `checkpoint-N` folder; a plain PyTorch `runs/<date>` folder
 * beside other files stays its own run.
 */
export interface SourcePlan {
  readonly runId: string;
  /** Applied to every point read: HF's tfevents keys back to trainer_state's names. */
  readonly mapPoints?: (points: MetricPoint[]) => MetricPoint[];
  /** Rounded copies of numbers an exact source holds: those win on every (key, step) both have. */
  readonly approximate: boolean;
  /** The format the file is read with instead of its own: a console log beside a better source gives only what that source lacks. */
  readonly readAs?: string;
  /** The run whose better source (a trainer state, a W&B history), when it appears, changes this plan: the file is then read again. */
  readonly dependsOn?: string;
}

/** LLaMA-Factory's own log of every Trainer.log call, appended beside its console output. */
export const LLAMAFACTORY_LOG = 'trainer_log.jsonl';

/** True when `path` is a source that holds, with real steps, what a console log or a TensorBoard file of its run repeats. */
export function isBetterSource(format: string, path: string): boolean {
  return format === 'hf-trainer-state' || format === 'wandb' || basename(path) === LLAMAFACTORY_LOG;
}

export async function hasTrainerState(directory: string, listings: FolderListings): Promise<boolean> {
  if (await listings.isFile(join(directory, 'trainer_state.json'))) return true;
  for (const name of await listings.matching(directory, /^checkpoint-\d+$/)) if (await listings.isFile(join(directory, name, 'trainer_state.json'))) return true;
  return false;
}

/** A W&B run folder with its binary history (`run-<id>.wandb`), which holds what `files/output.log` printed, with steps. */
export async function hasWandbHistory(runDirectory: string, listings: FolderListings): Promise<boolean> {
  return (await listings.matching(runDirectory, /\.wandb$/)).length > 0;
}

/** W&B's run folders: `run-<date>_<time>-<run id>` (or `offline-run-…`). */
const WANDB_RUN_FOLDER = /^(?:offline-)?run-(\d{8}_\d{6})-([A-Za-z0-9]+)$/;

/**
 * The run a W&B run folder belongs to. A resumed run (`wandb.init(id=…, resume=…)`) writes a new folder with
 * the same run id, its history going on from the last step: all of them are one run, named by the first.
 */
export async function wandbRunOf(runDirectory: string, listings: FolderListings): Promise<string> {
  const id = WANDB_RUN_FOLDER.exec(basename(runDirectory))?.[2];
  if (id === undefined) return runDirectory;
  const names = await listings.matching(dirname(runDirectory), WANDB_RUN_FOLDER);
  let first: { name: string; time: string } | undefined;
  for (const name of names) {
    const match = WANDB_RUN_FOLDER.exec(name);
    if (match?.[2] === id && (first === undefined || (match[1] ?? '') < first.time)) first = { name, time: match[1] ?? '' };
  }
  return first === undefined ? runDirectory : join(dirname(runDirectory), first.name);
}

/** HF's TensorBoard keys (`train/loss`, `eval/loss`) as trainer_state.json names them; `train/epoch` is its position, not a metric. */
export function fromHfTensorboard(points: MetricPoint[]): MetricPoint[] {
  const mapped: MetricPoint[] = [];
  for (const point of points) {
    const key = undoHfRewrite(point.key);
    if (key === 'epoch') continue;
    mapped.push(key === point.key ? point : { ...point, key });
  }
  return mapped;
}

/** The output_dir that an events file in `<output_dir>/runs/<name>/` would belong to. */
function hfOutputDirOfEvents(runDirectory: string): string | undefined {
  const runs = dirname(runDirectory);
  return basename(runs) === 'runs' ? dirname(runs) : undefined;
}

/** `listings`: the folder listings of the scan (the ingest's), so that a folder beside many logs is listed once, not once per log. */
export async function planSource(file: LogFile, listings: FolderListings = new FolderListings()): Promise<SourcePlan> {
  const plain: SourcePlan = { runId: await wandbRunOf(file.runDirectory, listings), approximate: false };
  if (file.format === 'tfevents') {
    const outputDir = hfOutputDirOfEvents(file.runDirectory);
    if (outputDir === undefined) return plain;
    if (await hasTrainerState(outputDir, listings)) return { runId: outputDir, mapPoints: fromHfTensorboard, approximate: true };
    return { ...plain, dependsOn: outputDir };
  }
  if (file.format === 'console') {
    const better = (await hasTrainerState(file.runDirectory, listings)) || (await listings.isFile(join(file.runDirectory, LLAMAFACTORY_LOG))) || (await hasWandbHistory(file.runDirectory, listings));
    // Printed rounded: where the better source holds the same key at the run's last step, its exact value wins.
    if (better) return { ...plain, approximate: true, readAs: CONSOLE_METRICS_FORMAT.id };
    return { ...plain, dependsOn: plain.runId };
  }
  return plain;
}
