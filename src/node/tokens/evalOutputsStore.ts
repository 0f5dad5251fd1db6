import { misleadingLossEvidence, type MisleadingLossEvidence } from '../../core/tokens/evaluationComparison';
import type { EvalFileResult } from './evalFileStats';
import { EvaluationsByStep } from './evaluationsByStep';

export interface StoredEvaluation extends EvalFileResult {
  readonly path: string;
}

/**
 * The per-token results of every evaluation read, by run and step: the calibration view and the paired
 * test of warning (a) need more than the series points (reliability bins, per-token correctness).
 */
export class EvalOutputsStore extends EvaluationsByStep<StoredEvaluation> {
  /** Warning (a)'s confirmation between the evaluation at `bestStep` (least loss) and the one at `lastStep`. */
  evidence(runId: string, bestStep: number, lastStep: number): MisleadingLossEvidence | undefined {
    const best = this.at(runId, bestStep);
    const last = this.at(runId, lastStep);
    return best === undefined || last === undefined ? undefined : misleadingLossEvidence(best, last);
  }
}
