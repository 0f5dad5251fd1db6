import { buildCalibrationView, type CalibrationView } from '../../core/tokens/calibrationView';
import { evalOutputsStore } from './evalOutputsReader';

/** The calibration view of a run from the evaluation outputs read so far; null when it has none. */
export function calibrationFor(runId: string): CalibrationView | null {
  const evaluations = evalOutputsStore.evaluations(runId);
  return evaluations.length === 0 ? null : buildCalibrationView(runId, evaluations);
}
