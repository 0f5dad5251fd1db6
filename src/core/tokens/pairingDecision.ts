import type { ChoiceSource, EvalPairing } from './evalPlan';
import type { SequenceRuns } from './sequenceRuns';
import type { TokenRecords } from './tokenRecords';
import type { TokenSummary } from './tokenStatistics';

/** One pairing of an evaluation's tokens, scored. */
export interface ScoredPairing {
  /** How tokens were paired, in words, and the same as fields for the CLI's JSON. */
  readonly alignment: string;
  readonly pairing: EvalPairing;
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
  /** The sequence of each scored token; absent when the outputs do not say. */
  readonly sequences?: SequenceRuns;
  /** Each scored token's label, place and probabilities (tokenRecords.ts); absent past MAX_RECORD_TOKENS. */
  readonly records?: TokenRecords;
  /** Where the records are kept when they are not held (a file beside a cache entry): read only for the two evaluations compared. */
  readonly recordsSource?: RecordsSource;
}

/** Records kept out of memory; `load` gives undefined when they cannot be had (then the analysis says they are missing). */
export interface RecordsSource {
  load(): Promise<TokenRecords | undefined>;
}

/**
 * An evaluation as it is scored. When nothing said how its tokens pair (`pairing.causalShiftSource` is
 * `undecided`), the fields above are the shifted pairing and `aligned` the other: the worker cannot see the
 * run's logs, so the host picks one by the logged loss (`decidePairing`).
 */
export interface ScoredEvaluation extends ScoredPairing {
  readonly step: number;
  readonly problems: readonly string[];
  readonly aligned?: ScoredPairing;
}

/** A value the run logged itself at the evaluation's step; an accuracy as a fraction. */
export interface LoggedValue {
  readonly key: string;
  readonly value: number;
}

export interface LoggedAtStep {
  readonly loss?: LoggedValue;
  readonly accuracy?: LoggedValue;
}

/** One check of both pairings against a logged value: each pairing's number and how far it is from the log. */
export interface PairingComparison {
  readonly against: 'logged-loss' | 'logged-accuracy';
  readonly key: string;
  readonly logged: number;
  /** Mean NLL (against the loss) or token accuracy (against the accuracy) of each pairing. */
  readonly shifted: number;
  readonly aligned: number;
  /** |ln(pairing / logged)|: 0.095 is 10% away, 0.41 is 1.5 times away. */
  readonly shiftedDistance: number;
  readonly alignedDistance: number;
  readonly agrees: 'shifted' | 'aligned' | null;
}

export interface PairingDecision {
  readonly status: 'decided' | 'unverified';
  /** The pairing chosen; null when unverified. */
  readonly causalShift: boolean | null;
  readonly source: ChoiceSource;
  readonly comparisons: readonly PairingComparison[];
  /** What was compared and what it showed, or what would settle it. */
  readonly reason: string;
}

/**
 * The bands, as distances |ln(x / logged)|. A pairing agrees within 10% (0.0953): trainers' own numbers
 * differ from the per-token mean by far less (transformers 5.x logs GPT-2's eval_loss as 127/128 of it, 0.8%)
 * and a dump of part of the eval set moves the mean by a few percent. The other pairing must be at least 1.5
 * times away (0.405) and three times as far as the agreeing one: the wrong pairing of a trained model is
 * far off (aligned logits scored shifted gave an NLL of 5.5 against a logged 1.94, 2.8 times or 1.04; their
 * accuracy 7–11% against 25–50%, at least 0.82), while a barely trained model, whose two pairings score
 * alike, is left unverified rather than guessed. Measured on a character trigram model of this project's
 * docs (114 symbols, 5,376 held-out characters) mixed with the uniform distribution to mimic training: the
 * wrong pairing's NLL is 1.16 times the right one's at 4.07 nats (uniform: 4.74), 1.54 times at 3.10 and
 * 2.77 times fully fitted (2.35); its accuracy 2.4% against 37.9% from the first step.
 */
export const AGREE_DISTANCE = Math.log(1.1);
export const RIVAL_DISTANCE = Math.log(1.5);
export const RIVAL_FACTOR = 3;

const SETTLE =
  'To settle it, give the pairing: `"causal_shift": true` (logits at position t predict the label at t+1, as Hugging Face) or `false` (aligned) in a metadata.json beside the arrays (step-N.metadata.json beside an .npz), the setting tokenAccuracyLens.evalOutputs.causalShift, or `report --causal-shift yes|no`.';

function compare(against: PairingComparison['against'], logged: LoggedValue, shifted: number, aligned: number): PairingComparison | undefined {
  if (!(logged.value > 0) || !Number.isFinite(logged.value) || !Number.isFinite(shifted) || !Number.isFinite(aligned)) return undefined;
  const distance = (value: number): number => (value > 0 ? Math.abs(Math.log(value / logged.value)) : Infinity);
  const shiftedDistance = distance(shifted);
  const alignedDistance = distance(aligned);
  const wins = (own: number, rival: number): boolean => own <= AGREE_DISTANCE && rival >= RIVAL_DISTANCE && rival >= RIVAL_FACTOR * own;
  const agrees = wins(shiftedDistance, alignedDistance) ? 'shifted' : wins(alignedDistance, shiftedDistance) ? 'aligned' : null;
  return { against, key: logged.key, logged: logged.value, shifted, aligned, shiftedDistance, alignedDistance, agrees };
}

const number = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));

function describe(comparison: PairingComparison): string {
  const what = comparison.against === 'logged-loss' ? 'mean NLL' : 'accuracy';
  const offBy = (value: number): string => {
    const ratio = value / comparison.logged;
    return ratio >= 1.5 || ratio <= 1 / 1.5 ? `${ratio.toFixed(2)}× the logged value` : `${ratio >= 1 ? '+' : '−'}${(Math.abs(ratio - 1) * 100).toFixed(1)}%`;
  };
  return `the shifted pairing's ${what} is ${number(comparison.shifted)} (${offBy(comparison.shifted)}), the aligned one's ${number(comparison.aligned)} (${offBy(comparison.aligned)}), against the logged ${comparison.key} ${number(comparison.logged)}`;
}

/**
 * Decides how an evaluation's tokens pair from what the run logged at its step: each pairing's mean NLL
 * against the logged eval loss, its accuracy against a logged accuracy. The loss is asked first; a check that
 * points the other way makes the evaluation unverified, as does no logged value or no clear winner.
 */
export function decidePairing(shifted: TokenSummary, aligned: TokenSummary, logged: LoggedAtStep): PairingDecision {
  const comparisons: PairingComparison[] = [];
  if (logged.loss !== undefined) {
    const byLoss = compare('logged-loss', logged.loss, shifted.probabilities?.meanNll ?? NaN, aligned.probabilities?.meanNll ?? NaN);
    if (byLoss !== undefined) comparisons.push(byLoss);
  }
  if (logged.accuracy !== undefined) {
    const byAccuracy = compare('logged-accuracy', logged.accuracy, shifted.accuracy, aligned.accuracy);
    if (byAccuracy !== undefined) comparisons.push(byAccuracy);
  }
  const details = comparisons.map(describe).join('; ');
  if (comparisons.length === 0) {
    return {
      status: 'unverified',
      causalShift: null,
      source: 'undecided',
      comparisons,
      reason: `Nothing says how these tokens pair and the run logs no eval loss or accuracy at this step to check them against. ${SETTLE}`,
    };
  }
  const decisive = comparisons.find((comparison) => comparison.agrees !== null);
  const conflict = decisive !== undefined && comparisons.some((comparison) => comparison.agrees !== null && comparison.agrees !== decisive.agrees);
  if (decisive === undefined || conflict) {
    const why = conflict
      ? 'the logged values point to different pairings'
      : 'neither pairing agrees with the log within 10% while the other is at least 1.5 times away';
    return {
      status: 'unverified',
      causalShift: null,
      source: 'undecided',
      comparisons,
      reason: `Nothing says how these tokens pair, and ${why}: ${details}. ${SETTLE}`,
    };
  }
  const chosen = decisive.agrees === 'shifted' ? 'shifted (position t predicts label t+1)' : 'aligned (no shift)';
  return {
    status: 'decided',
    causalShift: decisive.agrees === 'shifted',
    source: decisive.against,
    comparisons,
    reason: `Paired ${chosen}, decided by the logged ${decisive.key}: ${details}.`,
  };
}
