import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import { resolveRun, type ResolvedEvaluation } from '../../core/tokens/resolvedRun';
import { evalOutputsStore } from './evalOutputsReader';

/**
 * A run joined with the evaluation outputs read for it: evaluations whose pairing was left open are settled
 * by the run's logged loss here, on the host, and their computed series join the run (resolvedRun.ts).
 */
export function resolveStoredRun(run: RunSnapshot, overrides: RoleOverrides = {}): { readonly run: RunSnapshot; readonly evaluations: readonly ResolvedEvaluation[] } {
  return resolveRun(run, evalOutputsStore.evaluations(run.id), overrides);
}
