import { isIgnoredPath } from '../logFiles';
import { baseName, parentOf } from '../paths';
import { EVAL_OUTPUTS_FORMAT } from '../tokens/evalOutputsFormat';
import { CONSOLE_FORMAT } from './consoleFormat';
import { CONSOLE_METRICS_FORMAT } from './consoleMetricsFormat';
import { HF_RESULTS_FORMAT } from './hfResultsFormat';
import { JSONL_FORMAT } from './jsonlFormat';
import { LIGHTNING_CSV_FORMAT } from './lightningCsvFormat';
import { LIGHTNING_HPARAMS_FORMAT } from './lightningHparamsFormat';
import type { LogFile, LogFormat } from './logFormat';
import { MLFLOW_DB_FORMAT } from './mlflowDbFormat';
import { MLFLOW_METRIC_FORMAT, MLFLOW_RUN_NAME_FORMAT } from './mlflowMetricFormat';
import { mlflowFile } from './mlflowPaths';
import { NOTEBOOK_FORMAT } from './notebookFormat';
import { TFEVENTS_FORMAT } from './tfeventsFormat';
import { TRAINER_STATE_FORMAT } from './trainerStateFormat';
import { WANDB_CONFIG_FORMAT } from './wandbConfigFormat';
import { WANDB_HISTORY_FORMAT } from './wandbHistoryFormat';
import { WANDB_SUMMARY_FORMAT } from './wandbSummaryFormat';

/**
 * Every format the extension reads, most specific first: the first whose `classify` claims a path reads it.
 * Adding a format is adding its descriptor here; the watcher, the views and the CLI need no other change.
 */
export const LOG_FORMATS: readonly LogFormat[] = [
  EVAL_OUTPUTS_FORMAT,
  TRAINER_STATE_FORMAT,
  MLFLOW_METRIC_FORMAT,
  MLFLOW_RUN_NAME_FORMAT,
  MLFLOW_DB_FORMAT,
  WANDB_HISTORY_FORMAT,
  WANDB_SUMMARY_FORMAT,
  WANDB_CONFIG_FORMAT,
  LIGHTNING_CSV_FORMAT,
  LIGHTNING_HPARAMS_FORMAT,
  HF_RESULTS_FORMAT,
  NOTEBOOK_FORMAT,
  JSONL_FORMAT,
  TFEVENTS_FORMAT,
  CONSOLE_FORMAT,
  CONSOLE_METRICS_FORMAT,
];

const byId = new Map(LOG_FORMATS.map((format) => [format.id, format]));

export function logFormat(id: string): LogFormat | undefined {
  return byId.get(id);
}

export function formatLabel(id: string): string {
  return byId.get(id)?.label ?? id;
}

/** Formats built from the user's settings, replacing the registry's by id: the hook through which settings reach readers. */
export type FormatOverrides = ReadonlyMap<string, LogFormat>;

const NO_OVERRIDES: FormatOverrides = new Map();
/** The formats and tensor folders of each set of overrides, worked out once: classification runs for every file found. */
const resolved = new WeakMap<FormatOverrides, { formats: readonly LogFormat[]; tensorFolders: readonly string[] }>();

function withOverrides(overrides: FormatOverrides): { formats: readonly LogFormat[]; tensorFolders: readonly string[] } {
  let known = resolved.get(overrides);
  if (known === undefined) {
    const formats = LOG_FORMATS.map((format) => overrides.get(format.id) ?? format);
    known = { formats, tensorFolders: formats.flatMap((format) => format.tensorFolders ?? []) };
    resolved.set(overrides, known);
  }
  return known;
}

/** `isIgnoredPath` with the tensor folders of the formats in use: evaluation outputs in the user's folders are let through. */
export function isIgnoredWith(path: string, overrides: FormatOverrides = NO_OVERRIDES): boolean {
  return isIgnoredPath(path, withOverrides(overrides).tensorFolders);
}

function classifyAs(path: string, formats: readonly LogFormat[]): LogFile | undefined {
  for (const format of formats) {
    const file = format.classify(path);
    if (file !== undefined) return file;
  }
  return undefined;
}

/**
 * Logs copied out of their run folders are often saved flat, the folders folded into the name with `__`
 * (`user__repo__checkpoint-100__trainer_state.json`). Read as the path it came from, such a file is
 * recognised, and copies of different runs in one folder stay different runs. MLflow's metric files are
 * named by the metric's key, which may hold `__` itself, so they are never unfolded.
 */
function unfoldedPath(path: string): string | undefined {
  const name = baseName(path);
  if (!name.includes('__') || mlflowFile(path) !== undefined) return undefined;
  const parts = name.split('__').filter((part) => part !== '');
  return parts.length < 2 ? undefined : `${parentOf(path)}/${parts.join('/')}`;
}

/** Which reader a path needs, judged by its path alone (content is sniffed later, by the reader). */
export function classifyLogFile(path: string, overrides: FormatOverrides = NO_OVERRIDES): LogFile | undefined {
  const { formats, tensorFolders } = withOverrides(overrides);
  if (isIgnoredPath(path, tensorFolders)) return undefined;
  const unfolded = unfoldedPath(path);
  return (unfolded === undefined ? undefined : classifyAs(unfolded, formats)) ?? classifyAs(path, formats);
}
