import type { MetricPoint } from '../types';
import { parsePythonNumber } from './csvRows';
import type { AppendOnlyFormat, HostReadFormat, WholeFileResult } from './logFormat';
import { mlflowFile } from './mlflowPaths';
import { completeLines, NO_PENDING_LINE, overlongProblems, type PendingLine } from './textLines';

/** Where reading one MLflow metric file stopped; its key comes from its path, so it is found once. */
export interface MlflowMetricCursor {
  readonly key: string | undefined;
  readonly lineNumber: number;
  readonly pending: PendingLine;
}

const INITIAL: MlflowMetricCursor = { key: undefined, lineNumber: 0, pending: NO_PENDING_LINE };

/**
 * One line of `metrics/<key>`: `timestamp value step` (ms since the epoch, Python's `str(float)`, an int).
 * Very old MLflow wrote no step, which MLflow itself reads as step 0.
 */
export function parseMlflowMetricLine(key: string, line: string): MetricPoint | string | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length === 1 && fields[0] === '') return undefined;
  if (fields.length < 2 || fields.length > 3) return `has ${fields.length} fields, not "timestamp value step"`;
  const timestamp = Number(fields[0]);
  const value = parsePythonNumber(fields[1] ?? '');
  const step = fields.length === 3 ? Number(fields[2]) : 0;
  if (!Number.isFinite(timestamp) || value === undefined || !Number.isInteger(step)) return 'is not "timestamp value step"';
  return { key, step, value, wallTime: timestamp / 1000 };
}

export function readMlflowMetricChunk(
  cursor: MlflowMetricCursor,
  chunk: Uint8Array,
  path: string,
): { points: MetricPoint[]; cursor: MlflowMetricCursor; problems: string[] } {
  const key = cursor.key ?? mlflowFile(path)?.key ?? '';
  const { lines, overlong, pending } = completeLines(cursor.pending, chunk);
  const points: MetricPoint[] = [];
  const problems = overlongProblems(overlong, lines.length, cursor.lineNumber + 1);
  let lineNumber = cursor.lineNumber;
  for (const line of lines) {
    lineNumber++;
    const parsed = parseMlflowMetricLine(key, line);
    if (typeof parsed === 'string') problems.push(`Line ${lineNumber} ${parsed}; it was skipped.`);
    else if (parsed !== undefined) points.push(parsed);
  }
  return { points, problems, cursor: { key, lineNumber, pending } };
}

/** `mlruns/<experiment>/<run>/metrics/<key>`: one append-only file per metric, the run folder is the run. */
export const MLFLOW_METRIC_FORMAT: AppendOnlyFormat<MlflowMetricCursor> = {
  id: 'mlflow-metric',
  label: 'MLflow metric file',
  kind: 'append',
  initialCursor: INITIAL,
  classify(path) {
    const file = mlflowFile(path);
    return file?.area === 'metrics' && file.key !== '' ? { format: 'mlflow-metric', runDirectory: file.runDirectory } : undefined;
  },
  readChunk: readMlflowMetricChunk,
};

const decoder = new TextDecoder('utf-8');

/** meta.yaml's `run_name:` (newer MLflow) or `name:` (older), read without a YAML parser: both are one plain line. */
export function metaRunName(text: string): string | undefined {
  let name: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^(run_name|name):\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const value = (match[2] ?? '').replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    if (value !== '' && (match[1] === 'run_name' || name === undefined)) name = value;
  }
  return name;
}

/** The run's name from `tags/mlflow.runName` (a raw value, no newline) or from the run's `meta.yaml`. */
export function parseMlflowRunName(bytes: Uint8Array, path: string): WholeFileResult {
  const text = decoder.decode(bytes);
  const name = mlflowFile(path)?.area === 'meta' ? metaRunName(text) : text.trim();
  if (name === undefined && text.trim() === '') return { kind: 'incomplete', message: 'The file is empty (it may be being written).' };
  return { kind: 'ok', points: [], problems: [], ...(name === undefined || name === '' ? {} : { runInfo: { name } }) };
}

/**
 * The run's name (`tags/mlflow.runName` or `meta.yaml`) and, with `meta.yaml`, its `params/`: the host reads
 * the params folder beside it (src/node/wholeFileSources.ts) rather than each param file as a source.
 */
export const MLFLOW_RUN_NAME_FORMAT: HostReadFormat = {
  id: 'mlflow-run-name',
  label: 'MLflow run name and parameters',
  kind: 'host',
  classify(path) {
    const file = mlflowFile(path);
    if (file === undefined || !(file.area === 'meta' || (file.area === 'tags' && file.key === 'mlflow.runName'))) return undefined;
    return { format: 'mlflow-run-name', runDirectory: file.runDirectory };
  },
};
