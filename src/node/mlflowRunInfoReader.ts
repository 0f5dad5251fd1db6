import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunInfo, WholeFileFormat } from '../core/formats/logFormat';
import { MLFLOW_RUN_NAME_FORMAT, parseMlflowRunName } from '../core/formats/mlflowMetricFormat';
import { mlflowFile } from '../core/formats/mlflowPaths';
import { WholeFileReader } from './logSourceReader';
import type { ReadOutcome, SourceReader } from './sourceReader';

const NAME_PARSER: WholeFileFormat = { ...MLFLOW_RUN_NAME_FORMAT, kind: 'whole', parse: parseMlflowRunName };

/** Every param of a run: `params/<key>` holds the raw value (MLflow writes no newline); keys with `/` are nested folders. */
async function readParams(directory: string, prefix: string, into: Record<string, string>): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await readParams(path, `${prefix}${entry.name}/`, into);
    else if (entry.isFile()) into[`${prefix}${entry.name}`] = await readFile(path, 'utf8');
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
export function mlflowRunInfoReader(path: string): SourceReader {
  const whole = new WholeFileReader(path, NAME_PARSER);
  if (mlflowFile(path)?.area !== 'meta') return whole;
  const directory = join(dirname(path), 'params');
  let name: string | undefined;
  let stamp: number | undefined;
  let parameters: Record<string, string> = {};
  const info = (): RunInfo => ({ ...(name === undefined ? {} : { name }), ...(Object.keys(parameters).length === 0 ? {} : { parameters }) });
  return {
    path,
    format: MLFLOW_RUN_NAME_FORMAT.id,
    get modifiedMs() {
      return whole.modifiedMs;
    },
    async read(): Promise<ReadOutcome> {
      const outcome = await whole.read();
      if (outcome.kind === 'points') name = outcome.runInfo?.name;
      const now = await paramsStamp(directory);
      let paramsChanged = false;
      if (now !== stamp) {
        try {
          const read: Record<string, string> = {};
          if (now !== 0) await readParams(directory, '', read);
          parameters = read;
          stamp = now;
          paramsChanged = true;
        } catch {
          // A param file removed while the folder was listed (its run deleted): the next read tries again.
        }
      }
      if (outcome.kind === 'points') return { ...outcome, runInfo: info() };
      return outcome.kind === 'unchanged' && paramsChanged ? { kind: 'points', points: [], replace: true, problems: [], runInfo: info() } : outcome;
    },
  };
}
