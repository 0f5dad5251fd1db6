import type { McNemarResult, MisleadingLossEvidence } from './evaluationComparison';
import { wrongTokenShareText } from '../analysis/lossRiseShare';

/** A warning as analysis makes it, or as the report prints it (evidence values there may be null). */
export interface ConfirmableWarning {
  readonly kind: string;
  readonly confidence: string;
  readonly message: string;
  readonly evidence: Readonly<Record<string, number | null>>;
}

/**
 * Warning (a) with per-token outputs at its two ends (the least-loss evaluation and the last): the paired
 * numbers join its evidence, and when McNemar's exact test (p ≤ 0.01) finds more tokens right while more
 * than half of the rise is on wrong tokens, the warning is confirmed: high confidence, and it says why.
 */
export function confirmMisleadingLoss<W extends ConfirmableWarning>(warning: W, evidence: MisleadingLossEvidence | undefined): W {
  if (warning.kind !== 'misleading-loss' || evidence === undefined) return warning;
  const { mcnemar, split, confirmed } = evidence;
  const numbers = { pairedTestP: mcnemar.pValue, tokensNowRight: mcnemar.onlySecond, tokensNowWrong: mcnemar.onlyFirst, nllChangeOnWrongTokens: split.wrongTokens, nllChangeOnCorrectTokens: split.correctTokens, nllChangeFromAccuracy: split.accuracyChange };
  if (!confirmed) return { ...warning, evidence: { ...warning.evidence, ...numbers } };
  const p = mcnemar.pValue < 1e-4 ? mcnemar.pValue.toExponential(1) : mcnemar.pValue.toPrecision(2);
  return {
    ...warning,
    confidence: 'high',
    message: `${warning.message} The evaluation outputs confirm it: ${mcnemar.onlySecond} tokens became right and ${mcnemar.onlyFirst} wrong (McNemar p = ${p}), and ${wrongTokenShareText(split.wrongTokens, split.change)}.`,
    evidence: { ...warning.evidence, ...numbers },
  };
}

/**
 * Warning (a) with per-sample results at its two ends instead (a generation evaluation's right or wrong
 * answers, no log-probabilities): McNemar's exact test on the samples both share. Significantly more samples
 * right at the end (p ≤ 0.01) while the loss rose confirms that the loss misleads; there is no NLL to split.
 */
export function confirmBySamples<W extends ConfirmableWarning>(warning: W, mcnemar: McNemarResult | undefined): W {
  if (warning.kind !== 'misleading-loss' || mcnemar === undefined) return warning;
  const numbers = { pairedSampleTestP: mcnemar.pValue, samplesNowRight: mcnemar.onlySecond, samplesNowWrong: mcnemar.onlyFirst };
  if (!(mcnemar.pValue <= 0.01 && mcnemar.onlySecond > mcnemar.onlyFirst)) return { ...warning, evidence: { ...warning.evidence, ...numbers } };
  const p = mcnemar.pValue < 1e-4 ? mcnemar.pValue.toExponential(1) : mcnemar.pValue.toPrecision(2);
  return {
    ...warning,
    confidence: 'high',
    message: `${warning.message} The per-sample results confirm it: ${mcnemar.onlySecond} samples became right and ${mcnemar.onlyFirst} wrong (McNemar p = ${p}).`,
    evidence: { ...warning.evidence, ...numbers },
  };
}
