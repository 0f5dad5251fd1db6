import { confirmBySamples, confirmMisleadingLoss, type ConfirmableWarning } from '../../core/tokens/confirmWarning';
import { evalOutputsStore } from './evalOutputsReader';
import { sampleResultsStore } from './sampleResultsReader';

/**
 * A run view's (or a report's run's) warnings with warning (a) checked against the run's evaluation outputs,
 * where it has them: per-token outputs at both ends first, else per-sample results at both ends.
 */
export function withOutputEvidence<View extends { readonly id: string; readonly warnings: readonly (ConfirmableWarning & { readonly step: number; readonly startStep: number })[] }>(view: View): View {
  const warnings = view.warnings.map((warning) => {
    if (warning.kind !== 'misleading-loss') return warning;
    const tokens = evalOutputsStore.evidence(view.id, warning.startStep, warning.step);
    return tokens !== undefined ? confirmMisleadingLoss(warning, tokens) : confirmBySamples(warning, sampleResultsStore.pairedTest(view.id, warning.startStep, warning.step));
  });
  return warnings.every((warning, i) => warning === view.warnings[i]) ? view : { ...view, warnings };
}
