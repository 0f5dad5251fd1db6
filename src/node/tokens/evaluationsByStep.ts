/**
 * Evaluations of each run by step, one per file: a file read again replaces what it gave before, whatever its
 * step now is. Both the per-token and the per-sample results keep theirs this way.
 */
export class EvaluationsByStep<Evaluation extends { readonly path: string; readonly step: number }> {
  private readonly runs = new Map<string, Map<number, Evaluation>>();

  set(runId: string, evaluation: Evaluation): void {
    const run = this.runs.get(runId) ?? new Map<number, Evaluation>();
    for (const [step, known] of run) if (known.path === evaluation.path) run.delete(step);
    run.set(evaluation.step, evaluation);
    this.runs.set(runId, run);
  }

  remove(runId: string, path: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    for (const [step, known] of run) if (known.path === path) run.delete(step);
  }

  at(runId: string, step: number): Evaluation | undefined {
    return this.runs.get(runId)?.get(step);
  }

  /** The run's evaluations in step order. */
  evaluations(runId: string): Evaluation[] {
    return [...(this.runs.get(runId)?.values() ?? [])].sort((a, b) => a.step - b.step);
  }
}
