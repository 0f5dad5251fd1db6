import type { LogFormat } from '../core/formats/logFormat';
import { lightningHparamsReader } from './lightningHparamsReader';
import { AppendOnlyReader, WholeFileReader } from './logSourceReader';
import { MlflowDbReader } from './mlflowDbReader';
import { mlflowRunInfoReader } from './mlflowRunInfoReader';
import { EvalOutputsReader } from './tokens/evalOutputsReader';
import type { EvaluationContext } from './tokens/evaluationContext';
import { SampleResultsReader } from './tokens/sampleResultsReader';
import type { SourceReader } from './sourceReader';
import { wandbConfigReader } from './wandbConfigReader';
import { wandbSummaryReader } from './wandbSummaryReader';

/** Readers for formats whose bytes src/core cannot read alone (SQLite, tensors read in workers), by format id. */
const HOST_READERS = new Map<string, (path: string, format: LogFormat, evaluations: EvaluationContext) => SourceReader>([
  ['lightning-hparams', lightningHparamsReader],
  ['wandb-summary', wandbSummaryReader],
  ['wandb-config', wandbConfigReader],
  ['mlflow-db', (path) => new MlflowDbReader(path)],
  ['mlflow-run-name', mlflowRunInfoReader],
  ['eval-outputs', (path, format, evaluations) => (path.toLowerCase().endsWith('.json') ? new SampleResultsReader(path, format, evaluations) : new EvalOutputsReader(path, format, evaluations))],
]);

/** The reader for one file of a format; undefined for a host format with no reader registered. Evaluation readers fill `evaluations`. */
export function createSourceReader(path: string, format: LogFormat, evaluations: EvaluationContext): SourceReader | undefined {
  switch (format.kind) {
    case 'append':
      return new AppendOnlyReader(path, format);
    case 'whole':
      return new WholeFileReader(path, format);
    case 'host':
      return HOST_READERS.get(format.id)?.(path, format, evaluations);
  }
}
