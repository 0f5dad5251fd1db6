import { assignRoles, type RoleOverrides } from '../analysis/metricRoles';
import type { RunSnapshot } from '../runStore';
import { mergeSorted } from '../sortedSeries';
import type { Series } from '../types';
import { evaluationPoints } from './evalOutputsFormat';
import { describePairing } from './evalPlan';
import { decidePairing, type LoggedAtStep, type PairingDecision, type ScoredEvaluation, type ScoredPairing } from './pairingDecision';
import type { TokenSummary } from './tokenStatistics';

/** An evaluation with its pairing settled, or marked unverified when nothing could settle it. */
export interface ResolvedEvaluation extends ScoredPairing {
  readonly path: string;
  readonly step: number;
  readonly problems: readonly string[];
  /** `unverified`: its pairing is a guess, so it is never the run's accuracy nor evidence for a warning. */
  readonly status: 'decided' | 'unverified';
  /** How the run's logged values decided it (or failed to), for an evaluation whose files did not say. */
  readonly decision?: PairingDecision;
  /** The accuracy and mean NLL of both pairings, when both were scored. */
  readonly candidates?: { readonly shifted: CandidateNumbers; readonly aligned: CandidateNumbers };
}

export interface CandidateNumbers {
  readonly accuracy: number;
  readonly meanNll: number | undefined;
}

const numbers = (summary: TokenSummary): CandidateNumbers => ({ accuracy: summary.accuracy, meanNll: summary.probabilities?.meanNll });

/** Keys the evaluation outputs add to a run: never the logged values a pairing is checked against. */
const COMPUTED = /_computed$/;

function valueAt(series: Series | undefined, step: number): number | undefined {
  if (series === undefined) return undefined;
  const index = series.steps.lastIndexOf(step);
  const value = index < 0 ? undefined : series.values[index];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * The eval loss and accuracy the run logged itself, by step (the roles analysis gives them, the user's
 * overrides included; computed series never count). An accuracy series with any value above 1 is in
 * percent (a fraction cannot be). Roles are assigned once, however many evaluations ask.
 */
export function loggedValues(run: RunSnapshot, overrides: RoleOverrides = {}): (step: number) => LoggedAtStep {
  const roles = assignRoles(
    [...run.metrics.keys()].filter((key) => !COMPUTED.test(key)),
    overrides,
  );
  const lossSeries = roles.evalLoss === null ? undefined : run.metrics.get(roles.evalLoss);
  const accuracySeries = roles.evalAccuracy === null ? undefined : run.metrics.get(roles.evalAccuracy);
  const percent = accuracySeries?.values.some((value) => value > 1) === true;
  return (step) => {
    const loss = valueAt(lossSeries, step);
    const accuracy = valueAt(accuracySeries, step);
    return {
      ...(loss === undefined || roles.evalLoss === null ? {} : { loss: { key: roles.evalLoss, value: loss } }),
      ...(accuracy === undefined || roles.evalAccuracy === null ? {} : { accuracy: { key: roles.evalAccuracy, value: percent ? accuracy / 100 : accuracy } }),
    };
  };
}

/** The aligned pairing's records are its own: the shifted pairing's never stand in where it has none. */
function withoutRecords<T extends ScoredPairing>(pairing: T): T {
  const own = { ...pairing };
  delete (own as { records?: unknown }).records;
  delete (own as { recordsSource?: unknown }).recordsSource;
  return own;
}

/** One evaluation settled: by its files when they said how it pairs, else by the run's logged values. */
export function resolveEvaluation(evaluation: ScoredEvaluation & { readonly path: string }, logged: LoggedAtStep): ResolvedEvaluation {
  const { aligned, ...shifted } = evaluation;
  if (aligned === undefined) return { ...shifted, status: 'decided' };
  const decision = decidePairing(evaluation.summary, aligned.summary, logged);
  const candidates = { shifted: numbers(evaluation.summary), aligned: numbers(aligned.summary) };
  if (decision.causalShift === null) return { ...shifted, status: 'unverified', decision, candidates };
  const chosen = decision.causalShift ? shifted : { ...withoutRecords(shifted), ...aligned };
  const pairing = { ...chosen.pairing, causalShiftSource: decision.source };
  return { ...chosen, pairing, alignment: describePairing(pairing), status: 'decided', decision, candidates };
}

/**
 * A run with its evaluation outputs settled. Readers put the points of evaluations whose files say how they
 * pair into the store; the others wait for this join with the run's logged values, done on the host (the
 * worker that scores a file never sees the run), each time the run is looked at: a log read after the
 * outputs decides them then. The computed series of evaluations settled here join the run's metrics.
 */
export function resolveRun(
  run: RunSnapshot,
  evaluations: readonly (ScoredEvaluation & { readonly path: string })[],
  overrides: RoleOverrides = {},
): { readonly run: RunSnapshot; readonly evaluations: readonly ResolvedEvaluation[] } {
  const open = evaluations.some((evaluation) => evaluation.aligned !== undefined);
  const logged = open ? loggedValues(run, overrides) : () => ({});
  const resolved = evaluations.map((evaluation) => resolveEvaluation(evaluation, evaluation.aligned === undefined ? {} : logged(evaluation.step)));
  const added = new Map<string, { steps: number[]; values: number[] }>();
  for (const evaluation of resolved) {
    if (evaluation.decision === undefined || evaluation.status !== 'decided') continue;
    for (const point of evaluationPoints(evaluation.summary, evaluation.step)) {
      const series = added.get(point.key) ?? { steps: [], values: [] };
      series.steps.push(point.step);
      series.values.push(point.value);
      added.set(point.key, series);
    }
  }
  if (added.size === 0) return { run, evaluations: resolved };
  const metrics = new Map(run.metrics);
  for (const [key, series] of added) {
    const order = series.steps.map((_, i) => i).sort((a, b) => (series.steps[a] as number) - (series.steps[b] as number));
    const sorted = { steps: order.map((i) => series.steps[i] as number), values: order.map((i) => series.values[i] as number) };
    const known = metrics.get(key);
    metrics.set(key, known === undefined ? sorted : mergeSorted([known, sorted]));
  }
  return { run: { ...run, metrics }, evaluations: resolved };
}
