import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CONSOLE_METRICS_FORMAT } from '../core/formats/consoleMetricsFormat';
import { undoHfRewrite } from '../core/formats/hfKeys';
import type { LogFile, LogFormat } from '../core/formats/logFormat';
import { logFormat } from '../core/formats/registry';
import { WANDB_HISTORY_FORMAT, wandbHistoryFrom } from '../core/formats/wandbHistoryFormat';
import type { MetricPoint } from '../core/types';
import { FolderListings } from './folderListings';
import { wandbConfigOutputDir } from './wandbOutputDir';
import { resumedStartingStep } from './wandbResume';

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
  /** A W&B history in a resumed run's later folder: the step its rows go on from (see wandbResume.ts). */
  readonly startingStep?: number;
}

/** The format a planned file is read with. */
export function planFormat(plan: SourcePlan, format: LogFormat): LogFormat {
  if (plan.startingStep !== undefined && format.id === WANDB_HISTORY_FORMAT.id) return wandbHistoryFrom(plan.startingStep);
  return (plan.readAs === undefined ? undefined : logFormat(plan.readAs)) ?? format;
}

/** LLaMA-Factory's own log of every Trainer.log call, appended beside its console output. */
export const LLAMAFACTORY_LOG = 'trainer_log.jsonl';

/** True when `path` is a source that holds, with real steps, what a console log or a TensorBoard file of its run repeats. */
export function isBetterSource(format: string, path: string): boolean {
  return format === 'hf-trainer-state' || format === 'wandb' || basename(path) === LLAMAFACTORY_LOG;
}

export async function hasTrainerState(directory: string, listings: FolderListings): Promise<boolean> {
  if (await listings.isFile(join(directory, 'trainer_state.json'))) return true;
  for (const name of await listings.matching(directory, /^checkpoint-\d+$/))
    if (await listings.isFile(join(directory, name, 'trainer_state.json'))) return true;
  return false;
}

/** A W&B run folder with its binary history (`run-<id>.wandb`), which holds what `files/output.log` printed, with steps. */
export async function hasWandbHistory(runDirectory: string, listings: FolderListings): Promise<boolean> {
  return (await listings.matching(runDirectory, /\.wandb$/)).length > 0;
}

/** W&B's run folders: `run-<date>_<time>-<run id>` (or `offline-run-…`), `-<n>` added when the name was taken that second. */
const WANDB_RUN_FOLDER = /^(?:offline-)?run-(\d{8}_\d{6})-([A-Za-z0-9]+)(?:-(\d+))?$/;

/** Where a folder sits among its run's folders: by time, then by the suffix W&B adds within one second. */
function folderOrder(match: RegExpExecArray): string {
  return `${match[1] ?? ''}-${(match[3] ?? '').padStart(6, '0')}`;
}

/**
 * The folders of the W&B run `runDirectory` is a folder of, oldest first, up to and with it; empty for a
 * folder W&B did not name. A resumed run (`wandb.init(id=…, resume=…)`) writes a new folder with the same run
 * id, its history going on from the last step: all of them are one run, named by the first.
 */
async function wandbRunFolders(runDirectory: string, listings: FolderListings): Promise<string[]> {
  const own = WANDB_RUN_FOLDER.exec(basename(runDirectory));
  if (own === null) return [];
  const names = await listings.matching(dirname(runDirectory), WANDB_RUN_FOLDER);
  const folders: { name: string; order: string }[] = [];
  for (const name of names) {
    const match = WANDB_RUN_FOLDER.exec(name);
    if (match !== null && match[2] === own[2] && folderOrder(match) <= folderOrder(own)) folders.push({ name, order: folderOrder(match) });
  }
  folders.sort((a, b) => a.order.localeCompare(b.order) || a.name.localeCompare(b.name));
  return folders.length === 0 ? [runDirectory] : folders.map((folder) => join(dirname(runDirectory), folder.name));
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

/** PyTorch's `add_hparams` writes each call into a subfolder named by the time (`1698933274.5762074`). */
const HPARAMS_TRIAL_FOLDER = /^\d{9,}\.\d+$/;

/**
 * The output_dir that an events file in `<output_dir>/runs/<name>/` would belong to; also one in the
 * `add_hparams` subfolder that HF's TensorBoardCallback writes there (the run's arguments, no metric).
 */
function hfOutputDirOfEvents(runDirectory: string): string | undefined {
  const folder = HPARAMS_TRIAL_FOLDER.test(basename(runDirectory)) ? dirname(runDirectory) : runDirectory;
  const runs = dirname(folder);
  return basename(runs) === 'runs' ? dirname(runs) : undefined;
}

/** How many folders above the one holding `wandb/` a relative output_dir is looked for (a `wandb.init(dir=…)` below the working folder). */
const OUTPUT_DIR_LEVELS = 3;

/**
 * The HF output_dir a W&B run of that training belongs to. Its config names the output_dir as the script
 * gave it; a relative one is relative to the script's working folder, which the W&B folder does not record
 * for every SDK. W&B writes `<dir>/wandb/run-…/`, where `dir` is the working folder unless `wandb.init(dir=…)`
 * or WANDB_DIR moved it, so the folder holding `wandb/` is tried first, then the folders above it; the first
 * where the output_dir holds a trainer_state.json (the run's own numbers, HF's mark) is the run. Until one
 * does (before the first checkpoint), `waitFor` is where it is expected: a trainer state read there plans
 * the run's files again.
 */
async function hfRunOfWandb(runDirectory: string, listings: FolderListings): Promise<{ joined?: string; waitFor: string }> {
  const outputDir = await wandbConfigOutputDir(runDirectory);
  // No config yet (the run has just started): its history, once read, plans the run's files again.
  if (outputDir === undefined) return { waitFor: runDirectory };
  const root = dirname(dirname(runDirectory));
  const candidates = [resolve(root, outputDir)];
  let base = root;
  for (let level = 0; level < OUTPUT_DIR_LEVELS && !isAbsolute(outputDir) && dirname(base) !== base; level++) {
    base = dirname(base);
    candidates.push(resolve(base, outputDir));
  }
  for (const candidate of candidates) if (await hasTrainerState(candidate, listings)) return { joined: candidate, waitFor: candidate };
  return { waitFor: candidates[0] ?? runDirectory };
}

/** `listings`: the folder listings of the scan (the ingest's), so that a folder beside many logs is listed once, not once per log. */
export async function planSource(file: LogFile, listings: FolderListings = new FolderListings()): Promise<SourcePlan> {
  const folders = await wandbRunFolders(file.runDirectory, listings);
  const wandbRun = folders[0] ?? file.runDirectory;
  const wandb = folders.length > 0 ? await hfRunOfWandb(wandbRun, listings) : undefined;
  const plain: SourcePlan = {
    runId: wandb?.joined ?? wandbRun,
    approximate: false,
    ...(wandb === undefined || wandb.joined !== undefined ? {} : { dependsOn: wandb.waitFor }),
  };
  if (file.format === 'tfevents') {
    const outputDir = hfOutputDirOfEvents(file.runDirectory);
    if (outputDir === undefined) return plain;
    if (await hasTrainerState(outputDir, listings)) return { runId: outputDir, mapPoints: fromHfTensorboard, approximate: true };
    return { ...plain, dependsOn: outputDir };
  }
  if (file.format === WANDB_HISTORY_FORMAT.id) return folders.length > 1 ? { ...plain, startingStep: await resumedStartingStep(folders.slice(0, -1)) } : plain;
  if (file.format === 'console') {
    const better =
      (await hasTrainerState(file.runDirectory, listings)) ||
      (await listings.isFile(join(file.runDirectory, LLAMAFACTORY_LOG))) ||
      (await hasWandbHistory(file.runDirectory, listings));
    // Printed rounded: where the better source holds the same key at the run's last step, its exact value wins.
    if (better) return { ...plain, approximate: true, readAs: CONSOLE_METRICS_FORMAT.id };
    return { ...plain, dependsOn: plain.runId };
  }
  return plain;
}

/** True when two plans read a file the same way: a file whose plan is unchanged need not be read again. */
export function samePlan(a: SourcePlan, b: SourcePlan): boolean {
  return a.runId === b.runId && a.readAs === b.readAs && a.approximate === b.approximate && a.dependsOn === b.dependsOn && a.startingStep === b.startingStep;
}
