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
 * Warning (a) confirmed from outputs: the loss rise between the best-loss evaluation and the last one is
 * more than half on wrong tokens, and McNemar's exact test finds more tokens right at the end at p ≤ 0.01.
 */
export interface MisleadingLossEvidence {
  readonly split: NllSplit;
  readonly mcnemar: McNemarResult;
  readonly confirmed: boolean;
}

export function misleadingLossEvidence(best: { summary: TokenSummary; correctness: Uint8Array }, last: { summary: TokenSummary; correctness: Uint8Array }): MisleadingLossEvidence | undefined {
  const split = splitNllChange(best.summary, last.summary);
  const mcnemar = mcnemarExact(best.correctness, last.correctness);
  if (split === undefined || mcnemar === undefined) return undefined;
  const wrongDominates = split.change > 0 && split.wrongTokens > split.change / 2;
  const significant = mcnemar.pValue <= 0.01 && mcnemar.onlySecond > mcnemar.onlyFirst;
  return { split, mcnemar, confirmed: wrongDominates && significant };
}
