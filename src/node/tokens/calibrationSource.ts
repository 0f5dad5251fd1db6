import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import { buildCalibrationView, type CalibrationView } from '../../core/tokens/calibrationView';
import type { EvalOutputsStore } from './evalOutputsStore';
import { resolveStoredRun } from './resolvedEvaluations';

/**
 * The calibration view of a run from the evaluation outputs read so far; null when it has none. An
 * evaluation whose pairing nothing settled is left out: its numbers may be the wrong pairing's.
 */
export function calibrationFor(run: RunSnapshot | undefined, store: EvalOutputsStore, overrides: RoleOverrides = {}): CalibrationView | null {
  if (run === undefined) return null;
  const evaluations = resolveStoredRun(run, store, overrides).evaluations.filter((evaluation) => evaluation.status === 'decided');
  return evaluations.length === 0 ? null : buildCalibrationView(run.id, evaluations);
}
