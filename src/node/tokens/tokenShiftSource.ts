import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import { buildTokensView, type TokensView } from '../../core/tokens/tokenContexts';
import type { TokenTextDecoder } from '../../core/tokens/tokenShiftView';
import type { EvalOutputsStore } from './evalOutputsStore';
import { resolveStoredRun } from './resolvedEvaluations';

/**
 * The Tokens section of a run from the evaluation outputs read so far: the tokens carrying the loss change
 * between its least-loss and latest settled evaluations; null when it has no settled evaluation. Without a
 * decoder, tokens are shown by id.
 */
export function tokensFor(run: RunSnapshot | undefined, store: EvalOutputsStore, overrides: RoleOverrides = {}, decoder?: TokenTextDecoder): TokensView | null {
  if (run === undefined) return null;
  const evaluations = resolveStoredRun(run, store, overrides).evaluations.filter((evaluation) => evaluation.status === 'decided');
  return evaluations.length === 0 ? null : buildTokensView(run.id, evaluations, {}, decoder);
}
