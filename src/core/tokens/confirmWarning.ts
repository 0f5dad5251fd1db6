import type { McNemarResult, MisleadingLossEvidence, PairedTest } from './evaluationComparison';
import { wrongTokenShareText } from '../analysis/lossRiseShare';
import { MIN_EVALS_ABOVE_LOW } from '../analysis/evalPoints';

/** A warning as analysis makes it, or as the report prints it (evidence values there may be null). */
export interface ConfirmableWarning {
  readonly kind: string;
  readonly confidence: string;
  readonly message: string;
  readonly evidence: Readonly<Record<string, number | null>>;
}

const formatP = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

function describeTest(test: PairedTest): string {
  if (test.sequences === null)
    return `McNemar p = ${formatP(test.pValue)}, tokens assumed independent: the outputs do not say which sequence each token is from`;
  const method = test.method === 'sign-flip' ? 'exact sign-flip test over sequences' : 'McNemar clustered by sequence';
  return `${method}, ${test.sequences} sequences, p = ${formatP(test.pValue)}`;
}

/**
 * The confidence a confirming paired test gives: high where it counted sequences, medium at most where it
 * assumed tokens independent, and never above low from fewer than 8 evaluations (WARNINGS.md: a few noisy
 * evaluations pick the two checkpoints compared, however sure the test between them is).
 */
function confirmedConfidence(warning: ConfirmableWarning, test: PairedTest): 'high' | 'medium' | 'low' {
  const evaluations = warning.evidence['evaluations'];
  if (typeof evaluations === 'number' && evaluations < MIN_EVALS_ABOVE_LOW) return 'low';
  if (test.sequences !== null) return 'high';
  return warning.confidence === 'high' ? 'high' : 'medium';
}

/**
 * Warning (a) with per-token outputs at its two ends (the least-loss evaluation and the last): the paired
 * numbers join its evidence. When the paired test (p ≤ 0.01) finds more tokens right while more than half of
 * the rise is on wrong tokens, the warning is confirmed: high confidence where the test counted sequences,
 * medium at most where it had to assume tokens independent. Evidence the other way counts too: more tokens
 * wrong at the end at p ≤ 0.05 lowers the warning to low, at p ≤ 0.01 withdraws it (undefined).
 */
export function confirmMisleadingLoss<W extends ConfirmableWarning>(warning: W, evidence: MisleadingLossEvidence | undefined): W | undefined {
  if (warning.kind !== 'misleading-loss' || evidence === undefined) return warning;
  const { mcnemar, split, confirmed, contradicted } = evidence;
  const numbers = {
    pairedTestP: mcnemar.pValue,
    ...(mcnemar.sequences === null ? {} : { pairedTestSequences: mcnemar.sequences }),
    tokensNowRight: mcnemar.onlySecond,
    tokensNowWrong: mcnemar.onlyFirst,
    nllChangeOnWrongTokens: split.wrongTokens,
    nllChangeOnCorrectTokens: split.correctTokens,
    nllChangeFromAccuracy: split.accuracyChange,
    ...(evidence.nllChange === undefined ? {} : { nllChangeP: evidence.nllChange.pValue }),
  };
  const withNumbers = { ...warning, evidence: { ...warning.evidence, ...numbers } };
  if (contradicted) {
    if (mcnemar.pValue <= 0.01) return undefined;
    return {
      ...withNumbers,
      confidence: 'low',
      message: `${warning.message} The evaluation outputs point the other way: ${mcnemar.onlyFirst} tokens became wrong and ${mcnemar.onlySecond} right (${describeTest(mcnemar)}).`,
    };
  }
  if (!confirmed) return withNumbers;
  const share = wrongTokenShareText(split.wrongTokens, split.change);
  const confidence = confirmedConfidence(warning, mcnemar);
  return {
    ...withNumbers,
    confidence,
    message: `${warning.message} The evaluation outputs confirm it: ${mcnemar.onlySecond} tokens became right and ${mcnemar.onlyFirst} wrong (${describeTest(mcnemar)}), and ${share}.`,
  };
}

/**
 * Warning (a) with per-sample results at its two ends instead (a generation evaluation's right or wrong
 * answers, no log-probabilities): McNemar's exact test on the samples both share. Significantly more samples
 * right at the end (p ≤ 0.01) while the loss rose confirms that the loss misleads; there is no NLL to split.
 * Significantly more samples wrong lowers the warning (p ≤ 0.05) or withdraws it (p ≤ 0.01), as for tokens.
 */
export function confirmBySamples<W extends ConfirmableWarning>(warning: W, mcnemar: McNemarResult | undefined): W | undefined {
  if (warning.kind !== 'misleading-loss' || mcnemar === undefined) return warning;
  const numbers = { pairedSampleTestP: mcnemar.pValue, samplesNowRight: mcnemar.onlySecond, samplesNowWrong: mcnemar.onlyFirst };
  const p = formatP(mcnemar.pValue);
  if (mcnemar.pValue <= 0.05 && mcnemar.onlyFirst > mcnemar.onlySecond) {
    if (mcnemar.pValue <= 0.01) return undefined;
    return {
      ...warning,
      confidence: 'low',
      message: `${warning.message} The per-sample results point the other way: ${mcnemar.onlyFirst} samples became wrong and ${mcnemar.onlySecond} right (McNemar p = ${p}).`,
      evidence: { ...warning.evidence, ...numbers },
    };
  }
  if (!(mcnemar.pValue <= 0.01 && mcnemar.onlySecond > mcnemar.onlyFirst)) return { ...warning, evidence: { ...warning.evidence, ...numbers } };
  // Samples are independent units, so the test needs no clustering; the cap on few evaluations still holds.
  const evaluations = warning.evidence['evaluations'];
  return {
    ...warning,
    confidence: typeof evaluations === 'number' && evaluations < MIN_EVALS_ABOVE_LOW ? 'low' : 'high',
    message: `${warning.message} The per-sample results confirm it: ${mcnemar.onlySecond} samples became right and ${mcnemar.onlyFirst} wrong (McNemar p = ${p}).`,
    evidence: { ...warning.evidence, ...numbers },
  };
}

/**
 * Warning (e) with per-token outputs at both checkpoints it names: the paired test between the best-loss
 * checkpoint (first) and the best-accuracy one (second). Significantly more tokens right at the accuracy
 * checkpoint (p ≤ 0.01) makes the disagreement high confidence where the test counted sequences, medium at
 * most where it assumed tokens independent; more tokens right at the loss checkpoint lowers the warning
 * (p ≤ 0.05) or withdraws it (p ≤ 0.01): the outputs say the loss picked the better checkpoint.
 */
export function confirmCheckpointDisagreement<W extends ConfirmableWarning>(warning: W, test: PairedTest | undefined): W | undefined {
  if (warning.kind !== 'checkpoint-disagreement' || test === undefined) return warning;
  const withNumbers = {
    ...warning,
    evidence: {
      ...warning.evidence,
      pairedTestP: test.pValue,
      ...(test.sequences === null ? {} : { pairedTestSequences: test.sequences }),
      tokensRightOnlyAtAccuracyStep: test.onlySecond,
      tokensRightOnlyAtLossStep: test.onlyFirst,
    },
  };
  if (test.onlyFirst > test.onlySecond && test.pValue <= 0.05) {
    if (test.pValue <= 0.01) return undefined;
    return {
      ...withNumbers,
      confidence: 'low',
      message: `${warning.message} The evaluation outputs point the other way: ${test.onlyFirst} tokens are right only at the best-loss checkpoint and ${test.onlySecond} only at the best-accuracy one (${describeTest(test)}).`,
    };
  }
  if (!(test.onlySecond > test.onlyFirst && test.pValue <= 0.01)) return withNumbers;
  const confidence = confirmedConfidence(warning, test);
  return {
    ...withNumbers,
    confidence,
    message: `${warning.message} The evaluation outputs confirm it: ${test.onlySecond} tokens are right only at the best-accuracy checkpoint and ${test.onlyFirst} only at the best-loss one (${describeTest(test)}).`,
  };
}
