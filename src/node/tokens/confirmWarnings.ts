import { confirmMisleadingLoss, type ConfirmableWarning } from '../../core/tokens/confirmWarning';
import { evalOutputsStore } from './evalOutputsReader';

/** A run view's (or a report's run's) warnings with warning (a) checked against the run's evaluation outputs, where it has them. */
export function withOutputEvidence<View extends { readonly id: string; readonly warnings: readonly (ConfirmableWarning & { readonly step: number; readonly startStep: number })[] }>(view: View): View {
  const warnings = view.warnings.map((warning) => (warning.kind === 'misleading-loss' ? confirmMisleadingLoss(warning, evalOutputsStore.evidence(view.id, warning.startStep, warning.step)) : warning));
  return warnings.every((warning, i) => warning === view.warnings[i]) ? view : { ...view, warnings };
}
