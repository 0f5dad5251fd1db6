import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import type { ResolvedEvaluation } from '../../core/tokens/resolvedRun';
import { buildTokensView, type TokensView } from '../../core/tokens/tokenContexts';
import { chooseEvaluations, type StepRequest, type TokenTextDecoder } from '../../core/tokens/tokenShiftView';
import type { EvalOutputsStore } from './evalOutputsStore';
import { resolveStoredRun } from './resolvedEvaluations';

/**
 * The evaluations with the records of the two that the analysis compares (chooseEvaluations, the same choice
 * it makes) read from where they are kept when not held: every other evaluation's stay on disk. Records that
 * cannot be had are left out, and the analysis says they are missing.
 */
export async function withComparedRecords(evaluations: readonly ResolvedEvaluation[], steps?: StepRequest): Promise<ResolvedEvaluation[]> {
  const chosen = chooseEvaluations(evaluations, steps);
  if ('refused' in chosen) return [...evaluations];
  // Both at once: where both files are lost, both are scored again side by side in the pool.
  const loaded = new Map(
    await Promise.all(
      [...new Set([chosen.from, chosen.to])].map(async (evaluation) => {
        const records = evaluation.records === undefined ? await evaluation.recordsSource?.load() : undefined;
        return [evaluation, records === undefined ? evaluation : { ...evaluation, records }] as const;
      }),
    ),
  );
  return evaluations.map((evaluation) => loaded.get(evaluation) ?? evaluation);
}

/**
 * The Tokens section of each run, built again only when the two evaluations it compares (or the decoder)
 * change: a run's view is asked for at every update of the run, and comparing a million tokens takes 0.14 s
 * (0.4 to 0.8 s when the two list their positions in different orders), plus reading their records when the
 * store does not hold them. Owned by the run session.
 */
export class TokensViews {
  /** By the later evaluation's correctness (one array per read): an entry goes with it when the evaluation is read again or its run is gone. */
  private readonly built = new WeakMap<object, { readonly inputs: readonly unknown[]; readonly view: Promise<TokensView> }>();

  /**
   * The view of a run from the evaluation outputs read so far: the tokens carrying its loss change between its
   * least-loss and latest settled evaluations; null when it has no settled evaluation. Without a decoder,
   * tokens are shown by id.
   */
  async view(run: RunSnapshot | undefined, store: EvalOutputsStore, overrides: RoleOverrides = {}, decoder?: TokenTextDecoder): Promise<TokensView | null> {
    if (run === undefined) return null;
    const evaluations = resolveStoredRun(run, store, overrides).evaluations.filter((evaluation) => evaluation.status === 'decided');
    if (evaluations.length === 0) return null;
    const chosen = chooseEvaluations(evaluations);
    if ('refused' in chosen) return buildTokensView(run.id, evaluations, {}, decoder);
    // Resolving makes new objects each time; the arrays they carry are the store's, and change only with a new read.
    const key = chosen.to.correctness;
    const inputs = [run.id, chosen.from.correctness, chosen.how, decoder];
    const known = this.built.get(key);
    if (known !== undefined && known.inputs.every((input, i) => input === inputs[i])) return known.view;
    const view = withComparedRecords(evaluations).then((loaded) => buildTokensView(run.id, loaded, {}, decoder));
    this.built.set(key, { inputs, view });
    return view;
  }
}
