import { LIGHTNING_HPARAMS_FORMAT } from '../core/formats/lightningHparamsFormat';
import type { HostReadFormat, LogFormat } from '../core/formats/logFormat';
import { MLFLOW_DB_FORMAT } from '../core/formats/mlflowDbFormat';
import { MLFLOW_RUN_NAME_FORMAT } from '../core/formats/mlflowMetricFormat';
import { WANDB_CONFIG_FORMAT } from '../core/formats/wandbConfigFormat';
import { WANDB_SUMMARY_FORMAT } from '../core/formats/wandbSummaryFormat';
import { EVAL_OUTPUTS_FORMAT } from '../core/tokens/evalOutputsFormat';
import { AppendOnlyReader } from './logSourceReader';
import { MlflowDbReader } from './mlflowDbReader';
import { GuardedReader } from './readerGuard';
import type { SourceReader } from './sourceReader';
import { EvalOutputsReader } from './tokens/evalOutputsReader';
import type { EvaluationContext } from './tokens/evaluationContext';
import { SampleResultsReader } from './tokens/sampleResultsReader';
import { DEFAULT_READER_OPTIONS, WholeFileReader, type ReaderOptions } from './wholeFileReader';
import { lightningHparamsReader, mlflowRunInfoReader, wandbConfigReader, wandbSummaryReader } from './wholeFileSources';

type HostReaderFactory = (path: string, options: ReaderOptions, format: LogFormat, evaluations: EvaluationContext) => SourceReader;

/**
 * The Node reader of each format src/core cannot read alone (YAML, SQLite, tensors read in workers), beside
 * the descriptor it reads: the table names descriptors, not their ids, so a renamed or missing format is a
 * compile error here rather than a file silently left unread. A descriptor the settings rebuilt (evaluation
 * outputs in the user's folders) keeps its id, which is how it finds its reader.
 */
export const HOST_READERS: readonly (readonly [HostReadFormat, HostReaderFactory])[] = [
  [LIGHTNING_HPARAMS_FORMAT, lightningHparamsReader],
  [WANDB_SUMMARY_FORMAT, wandbSummaryReader],
  [WANDB_CONFIG_FORMAT, wandbConfigReader],
  [MLFLOW_DB_FORMAT, (path) => new MlflowDbReader(path)],
  [MLFLOW_RUN_NAME_FORMAT, mlflowRunInfoReader],
  [
    EVAL_OUTPUTS_FORMAT,
    (path, options, format, evaluations) =>
      path.toLowerCase().endsWith('.json') ? new SampleResultsReader(path, format, evaluations, options) : new EvalOutputsReader(path, format, evaluations),
  ],
];

function hostReader(format: HostReadFormat): HostReaderFactory | undefined {
  return HOST_READERS.find(([described]) => described.id === format.id)?.[1];
}

function formatReader(path: string, format: LogFormat, evaluations: EvaluationContext, options: ReaderOptions): SourceReader | undefined {
  switch (format.kind) {
    case 'append':
      return new AppendOnlyReader(path, format, options.tfrecordChecks, options.blockingReads === true);
    case 'whole':
      return new WholeFileReader(path, format, options);
    case 'host':
      return hostReader(format)?.(path, options, format, evaluations);
  }
}

/** The reader for one file of a format, behind the checks every read needs; undefined for a host format with no reader registered. */
export function createSourceReader(
  path: string,
  format: LogFormat,
  evaluations: EvaluationContext,
  options: ReaderOptions = DEFAULT_READER_OPTIONS,
): SourceReader | undefined {
  const reader = formatReader(path, format, evaluations, options);
  return reader === undefined ? undefined : new GuardedReader(reader, options.blockingReads === true);
}
