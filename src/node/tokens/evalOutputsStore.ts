import { misleadingLossEvidence, type MisleadingLossEvidence } from '../../core/tokens/evaluationComparison';
import type { ScoredPairing } from '../../core/tokens/pairingDecision';
import type { EvalFileResult } from './evalFileStats';
import { EvaluationsByStep } from './evaluationsByStep';

export interface StoredEvaluation extends EvalFileResult {
  readonly path: string;
}

/**
 * Which evaluations keep their per-token records in memory (20 bytes a token): `all`, or `compared`, each run's
 * latest and least-loss ones by either pairing (the editor's session and the CLI's report, which compare those
 * by default and would otherwise hold every evaluation's records). The others keep their `recordsSource`: the
 * records are read again from the cache for any two compared (tokenShiftSource.ts).
 */
export type RecordsKept = 'all' | 'compared';

const meanNll = (pairing: ScoredPairing | undefined): number => pairing?.summary.probabilities?.meanNll ?? NaN;

function withoutRecords(evaluation: StoredEvaluation): StoredEvaluation {
  const stripped: StoredEvaluation = { ...evaluation };
  delete (stripped as { records?: unknown }).records;
  if (evaluation.aligned === undefined) return stripped;
  const aligned = { ...evaluation.aligned };
  delete (aligned as { records?: unknown }).records;
  return { ...stripped, aligned };
}

/**
 * The per-token results of every evaluation read, by run and step: the calibration view and the paired
 * test of warning (a) need more than the series points (reliability bins, per-token correctness).
 */
export class EvalOutputsStore extends EvaluationsByStep<StoredEvaluation> {
  constructor(private readonly recordsKept: RecordsKept = 'all') {
    super();
  }

  override set(runId: string, evaluation: StoredEvaluation): void {
    super.set(runId, evaluation);
    if (this.recordsKept === 'compared') this.keepComparedRecords(runId);
  }

  /** Lets go of the records of every evaluation of the run but the latest and the least-loss one under each pairing. */
  private keepComparedRecords(runId: string): void {
    const evaluations = this.evaluations(runId);
    const least = (nll: (evaluation: StoredEvaluation) => number): StoredEvaluation | undefined => {
      let best: StoredEvaluation | undefined;
      for (const evaluation of evaluations) if (Number.isFinite(nll(evaluation)) && (best === undefined || nll(evaluation) < nll(best))) best = evaluation;
      return best;
    };
    const kept = new Set([evaluations[evaluations.length - 1], least(meanNll), least((evaluation) => meanNll(evaluation.aligned))]);
    for (const evaluation of evaluations)
      if (!kept.has(evaluation) && (evaluation.records !== undefined || evaluation.aligned?.records !== undefined))
        super.set(runId, withoutRecords(evaluation));
  }

  /** Warning (a)'s confirmation between the evaluation at `bestStep` (least loss) and the one at `lastStep`. */
  evidence(runId: string, bestStep: number, lastStep: number): MisleadingLossEvidence | undefined {
    const best = this.at(runId, bestStep);
    const last = this.at(runId, lastStep);
    return best === undefined || last === undefined ? undefined : misleadingLossEvidence(best, last);
  }
}
