import type { RunInfo } from '../core/formats/logFormat';

/**
 * What a run's files say about it (its name, its hyperparameters), merged over its sources: each file gives
 * part (a W&B config, a TensorBoard hparams record, an MLflow run), parameters are merged name by name, and
 * the latest read wins a field two sources both give.
 */
export class RunInfos {
  private readonly byRun = new Map<string, RunInfo>();

  get(runId: string): RunInfo | undefined {
    return this.byRun.get(runId);
  }

  /** Merges what one read said about the run; true when the run's info changed. */
  merge(runId: string, info: RunInfo): boolean {
    const known = this.byRun.get(runId);
    const merged: RunInfo = {
      ...known,
      ...info,
      ...(known?.parameters !== undefined || info.parameters !== undefined ? { parameters: { ...known?.parameters, ...info.parameters } } : {}),
    };
    if (JSON.stringify(merged) === JSON.stringify(known)) return false;
    this.byRun.set(runId, merged);
    return true;
  }
}
