import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { hparamsRunInfo, LIGHTNING_HPARAMS_FORMAT } from '../core/formats/lightningHparamsFormat';
import type { HostReadFormat, RunInfo, WholeFileFormat, WholeFileResult } from '../core/formats/logFormat';
import { MLFLOW_RUN_NAME_FORMAT, parseMlflowRunName } from '../core/formats/mlflowMetricFormat';
import { mlflowFile } from '../core/formats/mlflowPaths';
import { WANDB_CONFIG_FORMAT, wandbConfigRunInfo } from '../core/formats/wandbConfigFormat';
import { WANDB_HISTORY_FORMAT } from '../core/formats/wandbHistoryFormat';
import { parseWandbSummary, WANDB_SUMMARY_FORMAT } from '../core/formats/wandbSummaryFormat';
import { readRange } from './fileRange';
import type { ReadOutcome, SourceReader } from './sourceReader';
import { readWholeFile, WholeFileReader, type FixedLimit, type ReaderOptions } from './wholeFileReader';

/**
 * The host formats read whole (W&B summary and config, Lightning hparams, MLflow run name and meta): one
 * bounded reader each, differing only in how the bytes parse and what sibling files add.
 */

const decoder = new TextDecoder('utf-8');

/** A YAML file whose content is the run's info. Python-specific tags (`!!python/object:…`) are unknown to a safe parser: their contents are kept as plain maps. */
function yamlRunInfoFormat(format: HostReadFormat, subject: string, runInfo: (value: unknown) => RunInfo): WholeFileFormat {
  return {
    ...format,
    kind: 'whole',
    parse(bytes): WholeFileResult {
      const text = decoder.decode(bytes);
      if (text.trim() === '') return { kind: 'incomplete', message: `${subject} is empty (it may be being written).` };
      const document = parseDocument(text, { logLevel: 'silent' });
      if (document.errors.length > 0)
        return { kind: 'incomplete', message: `${subject} is not valid YAML (${document.errors[0]?.message.split('\n')[0] ?? 'parse error'}).` };
      return { kind: 'ok', points: [], problems: [], runInfo: runInfo(document.toJS()) };
    },
  };
}

/**
 * Names and hyperparameters take kilobytes. The YAML parser takes about 3.6 s and 180 MB of memory per MB of
 * a long list (measured: a 30 MB hparams.yaml took 170 s and 4.5 GB), on the extension host's thread.
 */
const RUN_INFO_LIMIT: FixedLimit = { maxBytes: 1024 * 1024, why: 'a file of run names and hyperparameters is never near this large' };

const HPARAMS_PARSER = yamlRunInfoFormat(LIGHTNING_HPARAMS_FORMAT, 'hparams.yaml', hparamsRunInfo);
const CONFIG_PARSER = yamlRunInfoFormat(WANDB_CONFIG_FORMAT, 'config.yaml', wandbConfigRunInfo);
const SUMMARY_PARSER: WholeFileFormat = { ...WANDB_SUMMARY_FORMAT, kind: 'whole', parse: (bytes) => parseWandbSummary(decoder.decode(bytes)) };
const NAME_PARSER: WholeFileFormat = { ...MLFLOW_RUN_NAME_FORMAT, kind: 'whole', parse: parseMlflowRunName };

/** `hparams.yaml` read whole when it changes. */
export function lightningHparamsReader(path: string, options: ReaderOptions): SourceReader {
  return new WholeFileReader(path, HPARAMS_PARSER, options, { fixedLimit: RUN_INFO_LIMIT });
}

/** The run's `.wandb` history file, if any. */
async function historyFile(runDirectory: string): Promise<string | undefined> {
  try {
    const name = (await readdir(runDirectory)).find((entry) => entry.endsWith('.wandb'));
    return name === undefined ? undefined : join(runDirectory, name);
  } catch {
    return undefined;
  }
}

/** Reads `files/wandb-summary.json` whole, unless the run's `.wandb` history is there to give the same numbers. */
export function wandbSummaryReader(path: string, options: ReaderOptions): SourceReader {
  const runDirectory = dirname(dirname(path));
  return new WholeFileReader(path, SUMMARY_PARSER, options, { skip: async () => (await historyFile(runDirectory)) !== undefined });
}

/** The run record, which holds a display name the script gave, comes right after the header record. */
const HISTORY_HEAD_BYTES = 64 * 1024;

/** The display name in the run's `.wandb` history, if the script gave one. */
async function historyName(runDirectory: string): Promise<string | undefined> {
  const history = await historyFile(runDirectory);
  if (history === undefined) return undefined;
  try {
    const head = await readRange(history, 0, HISTORY_HEAD_BYTES);
    return WANDB_HISTORY_FORMAT.readChunk(WANDB_HISTORY_FORMAT.initialCursor, head, history).runInfo?.name;
  } catch {
    return undefined;
  }
}

/**
 * Reads `files/config.yaml` whole when it changes. Its `run_name` names the run only when the history
 * names it not: a name given to `wandb.init` wins, whichever file is read last.
 */
export function wandbConfigReader(path: string, options: ReaderOptions): SourceReader {
  const runDirectory = dirname(dirname(path));
  return new WholeFileReader(path, CONFIG_PARSER, options, {
    fixedLimit: RUN_INFO_LIMIT,
    async finish(outcome) {
      if (outcome.kind !== 'points' || outcome.runInfo?.name === undefined) return outcome;
      const named = await historyName(runDirectory);
      return named === undefined
        ? outcome
        : { ...outcome, runInfo: { name: named, ...(outcome.runInfo.parameters === undefined ? {} : { parameters: outcome.runInfo.parameters }) } };
    },
  });
}

/** MLflow caps a param's value at a few thousand characters; a file far larger is no param MLflow wrote. */
const MAX_PARAM_BYTES = 64 * 1024;

/** Every param of a run: `params/<key>` holds the raw value (MLflow writes no newline); keys with `/` are nested folders. */
async function readParams(directory: string, prefix: string, into: Record<string, string>, problems: string[]): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await readParams(path, `${prefix}${entry.name}/`, into, problems);
    else if (entry.isFile()) {
      const read = await readWholeFile(path, MAX_PARAM_BYTES);
      if (read.kind === 'bytes') into[`${prefix}${entry.name}`] = decoder.decode(read.bytes);
      else problems.push(`The param ${prefix}${entry.name} is ${read.info.size} bytes, more than MLflow writes: it is left out.`);
    }
  }
}

/** When the params folder last gained or lost a file (0 when there is none): MLflow never rewrites a param. */
async function paramsStamp(directory: string): Promise<number> {
  try {
    return (await stat(directory)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `tags/mlflow.runName` is read whole for the run's name. `meta.yaml` gives the name too, and with it the
 * run's `params/` as its parameters: one source per run rather than one per param file. The folder is read
 * again only when its time stamp moves. meta.yaml is read when the run starts (MLflow logs params right
 * after it) and rewritten when the run ends, so params reach the run at its start or at the latest its end.
 */
export function mlflowRunInfoReader(path: string, options: ReaderOptions): SourceReader {
  if (mlflowFile(path)?.area !== 'meta') return new WholeFileReader(path, NAME_PARSER, options, { fixedLimit: RUN_INFO_LIMIT });
  const directory = join(dirname(path), 'params');
  let name: string | undefined;
  let stamp: number | undefined;
  let parameters: Record<string, string> = {};
  let paramProblems: readonly string[] = [];
  const info = (): RunInfo => ({ ...(name === undefined ? {} : { name }), ...(Object.keys(parameters).length === 0 ? {} : { parameters }) });
  return new WholeFileReader(path, NAME_PARSER, options, {
    fixedLimit: RUN_INFO_LIMIT,
    async finish(outcome: ReadOutcome): Promise<ReadOutcome> {
      if (outcome.kind === 'points') name = outcome.runInfo?.name;
      const now = await paramsStamp(directory);
      let paramsChanged = false;
      if (now !== stamp) {
        try {
          const read: Record<string, string> = {};
          const problems: string[] = [];
          if (now !== 0) await readParams(directory, '', read, problems);
          parameters = read;
          paramProblems = problems;
          stamp = now;
          paramsChanged = true;
        } catch {
          // A param file removed while the folder was listed (its run deleted): the next read tries again.
        }
      }
      if (outcome.kind === 'points') return { ...outcome, problems: [...outcome.problems, ...paramProblems], runInfo: info() };
      return outcome.kind === 'unchanged' && paramsChanged ? { kind: 'points', points: [], replace: true, problems: paramProblems, runInfo: info() } : outcome;
    },
  });
}
