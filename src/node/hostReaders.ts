import type { LogFormat } from '../core/formats/logFormat';
import { AppendOnlyReader } from './logSourceReader';
import { MlflowDbReader } from './mlflowDbReader';
import { GuardedReader } from './readerGuard';
import type { SourceReader } from './sourceReader';
import { EvalOutputsReader } from './tokens/evalOutputsReader';
import { SampleResultsReader } from './tokens/sampleResultsReader';
import { DEFAULT_READER_OPTIONS, WholeFileReader, type ReaderOptions } from './wholeFileReader';
import { lightningHparamsReader, mlflowRunInfoReader, wandbConfigReader, wandbSummaryReader } from './wholeFileSources';

/** Readers for formats whose bytes src/core cannot read alone (YAML, SQLite, tensors read in workers), by format id. */
const HOST_READERS = new Map<string, (path: string, options: ReaderOptions, format: LogFormat) => SourceReader>([
  ['lightning-hparams', lightningHparamsReader],
  ['wandb-summary', wandbSummaryReader],
  ['wandb-config', wandbConfigReader],
  ['mlflow-db', (path) => new MlflowDbReader(path)],
  ['mlflow-run-name', mlflowRunInfoReader],
  ['eval-outputs', (path, options, format) => (path.toLowerCase().endsWith('.json') ? new SampleResultsReader(path, format, options) : new EvalOutputsReader(path, format))],
]);

function formatReader(path: string, format: LogFormat, options: ReaderOptions): SourceReader | undefined {
  switch (format.kind) {
    case 'append':
      return new AppendOnlyReader(path, format);
    case 'whole':
      return new WholeFileReader(path, format, options);
    case 'host':
      return HOST_READERS.get(format.id)?.(path, options, format);
  }
}

/** The reader for one file of a format, behind the checks every read needs; undefined for a host format with no reader registered. */
export function createSourceReader(path: string, format: LogFormat, options: ReaderOptions = DEFAULT_READER_OPTIONS): SourceReader | undefined {
  const reader = formatReader(path, format, options);
  return reader === undefined ? undefined : new GuardedReader(reader);
}
