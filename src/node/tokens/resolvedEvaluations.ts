import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot, RunStore } from '../../core/runStore';
import type { Problem } from '../../core/types';
import { resolveRun, type ResolvedEvaluation } from '../../core/tokens/resolvedRun';
import type { EvalOutputsStore } from './evalOutputsStore';

/**
 * A run joined with the evaluation outputs read for it: evaluations whose pairing was left open are settled
 * by the run's logged loss here, on the host, and their computed series join the run (resolvedRun.ts).
 */
export function resolveStoredRun(
  run: RunSnapshot,
  outputs: EvalOutputsStore,
  overrides: RoleOverrides = {},
): { readonly run: RunSnapshot; readonly evaluations: readonly ResolvedEvaluation[] } {
  return resolveRun(run, outputs.evaluations(run.id), overrides);
}

/**
 * One problem per evaluation left unverified, saying how to settle its pairing: the panel lists it with the
 * files that could not be read, since its numbers are shown nowhere else.
 */
export function unverifiedProblems(store: Pick<RunStore, 'runIds' | 'snapshot'>, outputs: EvalOutputsStore, overrides: RoleOverrides = {}): Problem[] {
  return store.runIds().flatMap((id) => {
    const run = store.snapshot(id);
    if (run === undefined) return [];
    return resolveStoredRun(run, outputs, overrides).evaluations.flatMap((evaluation) =>
      evaluation.status === 'unverified' && evaluation.decision !== undefined ? [{ path: evaluation.path, message: evaluation.decision.reason }] : [],
    );
  });
}
