import { confirmBySamples, confirmCheckpointDisagreement, confirmMisleadingLoss, type ConfirmableWarning } from '../../core/tokens/confirmWarning';
import { misleadingLossEvidence, pairedTokenTest } from '../../core/tokens/evaluationComparison';
import type { ResolvedEvaluation } from '../../core/tokens/resolvedRun';
import type { SampleResultsStore } from './sampleResultsReader';

/**
 * A run view's (or a report's run's) warnings with warnings (a) and (e) checked against the run's evaluation
 * outputs, where it has them: for (a) per-token outputs at both ends first, else per-sample results at both
 * ends; for (e) per-token outputs at the two checkpoints it names. Only
 * evaluations whose pairing is settled count: an unverified one is never evidence. A warning the outputs
 * contradict strongly is withdrawn.
 */
export function withOutputEvidence<
  View extends { readonly id: string; readonly warnings: readonly (ConfirmableWarning & { readonly step: number; readonly startStep: number })[] },
>(view: View, evaluations: readonly ResolvedEvaluation[], samples: SampleResultsStore): View {
  const settled = new Map(evaluations.filter((evaluation) => evaluation.status === 'decided').map((evaluation) => [evaluation.step, evaluation]));
  const warnings = view.warnings.flatMap((warning) => {
    if (warning.kind === 'checkpoint-disagreement') {
      const atLoss = settled.get(warning.evidence['lossStep'] ?? NaN);
      const atAccuracy = settled.get(warning.evidence['accuracyStep'] ?? NaN);
      const checked = atLoss === undefined || atAccuracy === undefined ? warning : confirmCheckpointDisagreement(warning, pairedTokenTest(atLoss, atAccuracy));
      return checked === undefined ? [] : [checked];
    }
    if (warning.kind !== 'misleading-loss') return [warning];
    const best = settled.get(warning.startStep);
    const last = settled.get(warning.step);
    const tokens = best === undefined || last === undefined ? undefined : misleadingLossEvidence(best, last);
    const checked =
      tokens !== undefined ? confirmMisleadingLoss(warning, tokens) : confirmBySamples(warning, samples.pairedTest(view.id, warning.startStep, warning.step));
    return checked === undefined ? [] : [checked];
  });
  return warnings.length === view.warnings.length && warnings.every((warning, i) => warning === view.warnings[i]) ? view : { ...view, warnings };
}
