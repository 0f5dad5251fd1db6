import { confirmBySamples, confirmMisleadingLoss, type ConfirmableWarning } from '../../core/tokens/confirmWarning';
import type { EvaluationContext } from './evaluationContext';

/**
 * A run view's (or a report's run's) warnings with warning (a) checked against the run's evaluation outputs,
 * where it has them: per-token outputs at both ends first, else per-sample results at both ends.
 */
export function withOutputEvidence<View extends { readonly id: string; readonly warnings: readonly (ConfirmableWarning & { readonly step: number; readonly startStep: number })[] }>(view: View, evaluations: EvaluationContext): View {
  const warnings = view.warnings.map((warning) => {
    if (warning.kind !== 'misleading-loss') return warning;
    const tokens = evaluations.outputs.evidence(view.id, warning.startStep, warning.step);
    return tokens !== undefined ? confirmMisleadingLoss(warning, tokens) : confirmBySamples(warning, evaluations.samples.pairedTest(view.id, warning.startStep, warning.step));
  });
  return warnings.every((warning, i) => warning === view.warnings[i]) ? view : { ...view, warnings };
}
