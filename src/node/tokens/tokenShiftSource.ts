import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import { buildTokensView, type TokensView } from '../../core/tokens/tokenContexts';
import { chooseEvaluations, type TokenTextDecoder } from '../../core/tokens/tokenShiftView';
import type { EvalOutputsStore } from './evalOutputsStore';
import { resolveStoredRun } from './resolvedEvaluations';

/**
 * The Tokens section of each run, built again only when the two evaluations it compares (or the decoder)
 * change: a run's view is asked for at every update of the run, and comparing a million tokens takes 0.14 s
 * (0.4 to 0.8 s when the two list their positions in different orders). Owned by the run session.
 */
export class TokensViews {
  /** By the later evaluation's records: an entry goes with them when the evaluation is read again or its run is gone. */
  private readonly built = new WeakMap<object, { readonly inputs: readonly unknown[]; readonly view: TokensView }>();

  /**
   * The view of a run from the evaluation outputs read so far: the tokens carrying its loss change between its
   * least-loss and latest settled evaluations; null when it has no settled evaluation. Without a decoder,
   * tokens are shown by id.
   */
  view(run: RunSnapshot | undefined, store: EvalOutputsStore, overrides: RoleOverrides = {}, decoder?: TokenTextDecoder): TokensView | null {
    if (run === undefined) return null;
    const evaluations = resolveStoredRun(run, store, overrides).evaluations.filter((evaluation) => evaluation.status === 'decided');
    if (evaluations.length === 0) return null;
    const chosen = chooseEvaluations(evaluations);
    const key = 'refused' in chosen ? undefined : chosen.to.records;
    if ('refused' in chosen || key === undefined) return buildTokensView(run.id, evaluations, {}, decoder);
    // Resolving makes new objects each time; the arrays they carry are the store's, and change only with a new read.
    const inputs = [run.id, chosen.from.records, chosen.from.correctness, chosen.to.correctness, chosen.how, decoder];
    const known = this.built.get(key);
    if (known !== undefined && known.inputs.every((input, i) => input === inputs[i])) return known.view;
    const view = buildTokensView(run.id, evaluations, {}, decoder);
    this.built.set(key, { inputs, view });
    return view;
  }
}
