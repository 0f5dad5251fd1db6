import { misleadingLossEvidence, type MisleadingLossEvidence } from '../../core/tokens/evaluationComparison';
import type { EvalFileResult } from './evalFileStats';

export interface StoredEvaluation extends EvalFileResult {
  readonly path: string;
}

/**
 * The per-token results of every evaluation read, by run and step: the calibration view and the paired
 * test of warning (a) need more than the series points (reliability bins, per-token correctness).
 */
export class EvalOutputsStore {
  private readonly runs = new Map<string, Map<number, StoredEvaluation>>();

  set(runId: string, evaluation: StoredEvaluation): void {
    const run = this.runs.get(runId) ?? new Map<number, StoredEvaluation>();
    for (const [step, known] of run) if (known.path === evaluation.path) run.delete(step);
    run.set(evaluation.step, evaluation);
    this.runs.set(runId, run);
  }

  remove(runId: string, path: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    for (const [step, known] of run) if (known.path === path) run.delete(step);
  }

  /** The run's evaluations in step order. */
  evaluations(runId: string): StoredEvaluation[] {
    return [...(this.runs.get(runId)?.values() ?? [])].sort((a, b) => a.step - b.step);
  }

  /** Warning (a)'s confirmation between the evaluation at `bestStep` (least loss) and the one at `lastStep`. */
  evidence(runId: string, bestStep: number, lastStep: number): MisleadingLossEvidence | undefined {
    const run = this.runs.get(runId);
    const best = run?.get(bestStep);
    const last = run?.get(lastStep);
    return best === undefined || last === undefined ? undefined : misleadingLossEvidence(best, last);
  }
}
