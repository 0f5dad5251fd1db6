import { buildCalibrationView, type CalibrationView } from '../../core/tokens/calibrationView';
import type { EvalOutputsStore } from './evalOutputsStore';

/** The calibration view of a run from the evaluation outputs read so far; null when it has none. */
export function calibrationFor(runId: string, store: EvalOutputsStore): CalibrationView | null {
  const evaluations = store.evaluations(runId);
  return evaluations.length === 0 ? null : buildCalibrationView(runId, evaluations);
}
