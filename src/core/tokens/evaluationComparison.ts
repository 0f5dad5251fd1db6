import type { SequenceRuns } from './sequenceRuns';
import type { TokenSummary } from './tokenStatistics';

export interface McNemarResult {
  /** Tokens right in the first evaluation and wrong in the second, and the reverse. */
  readonly onlyFirst: number;
  readonly onlySecond: number;
  /** Two-sided exact p-value: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), at most 1. */
  readonly pValue: number;
}

/**
 * McNemar's exact test on per-token correctness of the same tokens in two evaluations. The binomial tail is
 * summed in log space term by term, so millions of discordant tokens neither overflow nor underflow.
 */
export function mcnemarExact(first: Uint8Array, second: Uint8Array): McNemarResult | undefined {
  if (first.length !== second.length || first.length === 0) return undefined;
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i] === second[i]) continue;
    if (first[i] === 1) onlyFirst++;
    else onlySecond++;
  }
  return { onlyFirst, onlySecond, pValue: mcnemarPValue(onlyFirst, onlySecond) };
}

export function mcnemarPValue(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let logTerm = n * Math.log(0.5);
  let logTail = logTerm;
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1));
    const high = Math.max(logTail, logTerm);
    logTail = high + Math.log(Math.exp(logTail - high) + Math.exp(logTerm - high));
  }
  return Math.min(1, 2 * Math.exp(logTail));
}

/**
 * A paired test of per-token correctness between two evaluations of the same tokens. Tokens of one sequence
 * are not independent, so where the sequences are known the test counts sequences: Durkalski et al. (2003)'s
 * cluster-adjusted McNemar, X² = (Σₖ dₖ)² / Σₖ dₖ² with dₖ = (bₖ − cₖ)/nₖ over the sequences (bₖ, cₖ the
 * tokens of sequence k right only in the first or only in the second evaluation, nₖ its tokens), against
 * χ² with one degree of freedom; with at most 16 sequences that changed, whose χ² approximation is poor, the
 * exact sign-flip permutation of the same dₖ instead. Without sequences, McNemar's exact test on tokens.
 */
export interface PairedTest extends McNemarResult {
  readonly method: 'clustered-mcnemar' | 'sign-flip' | 'exact-mcnemar';
  /** Sequences counted as the units; null when tokens were assumed independent. */
  readonly sequences: number | null;
  readonly tokens: number;
}

/** Sequences with a change up to this many are tested exactly: 2^16 sign patterns. */
const EXACT_SIGN_FLIP_MAX = 16;

function sameRuns(a: SequenceRuns, b: SequenceRuns): boolean {
  return a.ids.length === b.ids.length && a.ids.every((id, i) => id === b.ids[i] && a.lengths[i] === b.lengths[i]);
}

export function pairedTokenTest(
  first: { readonly correctness: Uint8Array; readonly sequences?: SequenceRuns | undefined },
  second: { readonly correctness: Uint8Array; readonly sequences?: SequenceRuns | undefined },
): PairedTest | undefined {
  const plain = mcnemarExact(first.correctness, second.correctness);
  if (plain === undefined) return undefined;
  const tokens = first.correctness.length;
  const runs = first.sequences;
  let covered = 0;
  for (const length of runs?.lengths ?? []) covered += length;
  if (runs === undefined || second.sequences === undefined || !sameRuns(runs, second.sequences) || covered !== tokens)
    return { ...plain, method: 'exact-mcnemar', sequences: null, tokens };
  // A sequence may come back in several runs (a compact dump in any order): its counts are summed by id.
  const bySequence = new Map<number, { b: number; c: number; n: number }>();
  let at = 0;
  runs.ids.forEach((id, i) => {
    const length = runs.lengths[i] as number;
    const counts = bySequence.get(id) ?? { b: 0, c: 0, n: 0 };
    for (let t = at; t < at + length; t++) {
      if (first.correctness[t] === second.correctness[t]) continue;
      if (first.correctness[t] === 1) counts.b++;
      else counts.c++;
    }
    counts.n += length;
    bySequence.set(id, counts);
    at += length;
  });
  const differences = [...bySequence.values()].map(({ b, c, n }) => (b - c) / n).filter((d) => d !== 0);
  return { ...plain, ...clusteredP(differences), sequences: bySequence.size, tokens };
}

/**
 * Whether the mean NLL changed between two evaluations of the same tokens, with sequences as the units: the
 * per-sequence mean NLL change dₖ tested as the sign-flip test of `pairedTokenTest` does (exactly for at
 * most 16 sequences, else by its normal approximation (Σdₖ)² / Σdₖ² against χ²₁). Undefined when the
 * sequences or their NLL are not known: the NLL split then stays a description.
 */
export interface NllChangeTest {
  readonly pValue: number;
  readonly method: 'sign-flip' | 'sign-flip-normal';
  readonly sequences: number;
}

export function pairedNllTest(
  first: { readonly sequences?: SequenceRuns | undefined },
  second: { readonly sequences?: SequenceRuns | undefined },
): NllChangeTest | undefined {
  const a = first.sequences;
  const b = second.sequences;
  if (a?.nll === undefined || b?.nll === undefined || !sameRuns(a, b)) return undefined;
  const bySequence = new Map<number, { change: number; n: number }>();
  a.ids.forEach((id, i) => {
    const known = bySequence.get(id) ?? { change: 0, n: 0 };
    known.change += (b.nll?.[i] as number) - (a.nll?.[i] as number);
    known.n += a.lengths[i] as number;
    bySequence.set(id, known);
  });
  const differences = [...bySequence.values()].map(({ change, n }) => change / n).filter((d) => d !== 0 && Number.isFinite(d));
  const { pValue, method } = clusteredP(differences);
  return { pValue, method: method === 'sign-flip' ? 'sign-flip' : 'sign-flip-normal', sequences: bySequence.size };
}

function clusteredP(differences: readonly number[]): { pValue: number; method: 'clustered-mcnemar' | 'sign-flip' } {
  if (differences.length === 0) return { pValue: 1, method: 'clustered-mcnemar' };
  const total = differences.reduce((sum, d) => sum + d, 0);
  if (differences.length <= EXACT_SIGN_FLIP_MAX) {
    // Two-sided: the share of sign patterns whose sum is at least as far from 0 as the one observed.
    const observed = Math.abs(total) * (1 - 1e-12);
    const patterns = 2 ** differences.length;
    let extreme = 0;
    for (let mask = 0; mask < patterns; mask++) {
      let sum = 0;
      for (let k = 0; k < differences.length; k++) sum += mask & (1 << k) ? -(differences[k] as number) : (differences[k] as number);
      if (Math.abs(sum) >= observed) extreme++;
    }
    return { pValue: extreme / patterns, method: 'sign-flip' };
  }
  const squares = differences.reduce((sum, d) => sum + d * d, 0);
  const statistic = (total * total) / squares;
  return { pValue: Math.min(1, erfc(Math.sqrt(statistic / 2))), method: 'clustered-mcnemar' };
}

/**
 * erfc(x) for x ≥ 0 with a relative error below 1.2e-7 everywhere (Press et al., Numerical Recipes, erfcc):
 * P(χ²₁ ≥ X²) = erfc(√(X²/2)) stays accurate far into the tail, where 1 − erf would lose every digit.
 */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-x * x + poly);
}

/**
 * The exact split of a change in mean NLL between two evaluations (WARNINGS.md):
 * ΔNLL = ā·ΔC + (1 − ā)·ΔW + Δa·(C̄ − W̄), bars being the means of the two evaluations.
 */
export interface NllSplit {
  readonly change: number;
  readonly correctTokens: number;
  readonly wrongTokens: number;
  readonly accuracyChange: number;
}

export function splitNllChange(before: TokenSummary, after: TokenSummary): NllSplit | undefined {
  const a = before.probabilities;
  const b = after.probabilities;
  if (a === undefined || b === undefined) return undefined;
  // An evaluation with no correct (or no wrong) token has no C (or W); its term weighs nothing there.
  const c0 = Number.isNaN(a.nllCorrect) ? 0 : a.nllCorrect;
  const c1 = Number.isNaN(b.nllCorrect) ? 0 : b.nllCorrect;
  const w0 = Number.isNaN(a.nllWrong) ? 0 : a.nllWrong;
  const w1 = Number.isNaN(b.nllWrong) ? 0 : b.nllWrong;
  const meanAccuracy = (before.accuracy + after.accuracy) / 2;
  const accuracyDelta = after.accuracy - before.accuracy;
  return {
    change: b.meanNll - a.meanNll,
    correctTokens: meanAccuracy * (c1 - c0),
    wrongTokens: (1 - meanAccuracy) * (w1 - w0),
    accuracyChange: accuracyDelta * ((c0 + c1) / 2 - (w0 + w1) / 2),
  };
}

/**
 * Warning (a) checked against outputs: `confirmed` when the loss rise between the best-loss evaluation and
 * the last one is more than half on wrong tokens and the paired test finds more tokens right at the end at
 * p ≤ 0.01; `contradicted` when it finds more tokens wrong at the end at p ≤ 0.05 (the warning says accuracy
 * did not get worse). The test counts sequences where they are known (`pairedTokenTest`).
 */
export interface MisleadingLossEvidence {
  readonly split: NllSplit;
  readonly mcnemar: PairedTest;
  /** The NLL change tested by sequence, when the outputs give each sequence's NLL. */
  readonly nllChange: NllChangeTest | undefined;
  readonly confirmed: boolean;
  readonly contradicted: boolean;
}

interface ScoredTokens {
  readonly summary: TokenSummary;
  readonly correctness: Uint8Array;
  readonly sequences?: SequenceRuns | undefined;
}

export function misleadingLossEvidence(best: ScoredTokens, last: ScoredTokens): MisleadingLossEvidence | undefined {
  const split = splitNllChange(best.summary, last.summary);
  const mcnemar = pairedTokenTest(best, last);
  if (split === undefined || mcnemar === undefined) return undefined;
  const wrongDominates = split.change > 0 && split.wrongTokens > split.change / 2;
  const significant = mcnemar.pValue <= 0.01 && mcnemar.onlySecond > mcnemar.onlyFirst;
  const contradicted = mcnemar.pValue <= 0.05 && mcnemar.onlyFirst > mcnemar.onlySecond;
  return { split, mcnemar, nllChange: pairedNllTest(best, last), confirmed: wrongDominates && significant, contradicted };
}
