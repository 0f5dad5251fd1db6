import type { TokenSummary } from './tokenStatistics';
import {
  tokenShift,
  type PositionBucketShift,
  type ShiftNumbers,
  type TokenShift,
  type TokenShiftEntry,
  type TokenShiftInput,
  type TokenShiftOptions,
} from './tokenShift';

/** Text of token ids, from the run's tokenizer; without one, ids stay ids and `text` is null. */
export interface TokenTextDecoder {
  decode(ids: readonly number[]): string;
  /** One token's own text, its leading space kept (tokenizerJson.ts); undefined for an id the tokenizer does not know. */
  decodeToken?(id: number): string | undefined;
}

/** A listed token's text: its own when the decoder can say it (`decode([id])` drops a SentencePiece word's leading space), null when unknown. */
export function tokenText(decoder: TokenTextDecoder, id: number): string | null {
  return decoder.decodeToken === undefined ? decoder.decode([id]) : (decoder.decodeToken(id) ?? null);
}

/** An evaluation the analysis may compare: settled, with its summary (for the least loss) and records. */
export interface ShiftCandidate extends TokenShiftInput {
  readonly summary: TokenSummary;
}

/** Steps asked for (`--tokens-steps A,B`); absent: the least-loss evaluation and the latest. */
export interface StepRequest {
  readonly from: number;
  readonly to: number;
}

/** Tokens listed unless asked otherwise (`--tokens N`). */
export const DEFAULT_TOKENS_LISTED = 50;

/**
 * The two evaluations to compare, and how they were chosen: the steps asked for, else the one with the least
 * mean NLL and the latest (the rise since the best), else (the latest is the best) the first and the latest.
 */
export function chooseEvaluations<T extends ShiftCandidate>(
  evaluations: readonly T[],
  requested?: StepRequest,
): { readonly from: T; readonly to: T; readonly how: string } | { readonly refused: string } {
  const sorted = [...evaluations].sort((a, b) => a.step - b.step);
  const steps = sorted.map((evaluation) => evaluation.step).join(', ');
  if (requested !== undefined) {
    const from = sorted.find((evaluation) => evaluation.step === requested.from);
    const to = sorted.find((evaluation) => evaluation.step === requested.to);
    if (from === undefined || to === undefined)
      return { refused: `Step ${from === undefined ? requested.from : requested.to} has no settled evaluation outputs (steps: ${steps || 'none'}).` };
    return { from, to, how: `steps ${requested.from} and ${requested.to}, as asked` };
  }
  const first = sorted[0];
  const latest = sorted[sorted.length - 1];
  if (first === undefined || latest === undefined || first === latest)
    return { refused: `${sorted.length === 0 ? 'No' : 'One'} settled evaluation with per-token outputs: nothing to compare.` };
  let best: T | undefined;
  for (const evaluation of sorted) {
    const nll = evaluation.summary.probabilities?.meanNll;
    if (nll !== undefined && Number.isFinite(nll) && (best === undefined || nll < (best.summary.probabilities?.meanNll ?? Infinity))) best = evaluation;
  }
  if (best === undefined) return { from: first, to: latest, how: 'the first and the latest evaluation (no log-probabilities to find the least loss)' };
  if (best === latest) return { from: first, to: latest, how: 'the first and the latest evaluation (the latest has the least loss: no rise since the best)' };
  return {
    from: best,
    to: latest,
    how: `the least-loss evaluation (step ${best.step}, mean NLL ${best.summary.probabilities?.meanNll.toFixed(4)}) and the latest`,
  };
}

const finite = (value: number | null): number | null => (value !== null && Number.isFinite(value) ? value : null);

/** One token as the report and the panel list it: its id, its text (null without a tokenizer) and its numbers. */
export interface TokenShiftRow extends ShiftNumbers {
  readonly id: number;
  readonly text: string | null;
}

/** The `tokens` object of a run in `report --json`. */
export type TokensReport =
  | {
      readonly fromStep: number;
      readonly toStep: number;
      /** How the two evaluations were chosen. */
      readonly chosen: string;
      readonly pairedPositions: number;
      /** Positions scored in only one of the two (not compared). */
      readonly onlyFrom: number;
      readonly onlyTo: number;
      readonly overconfidence: number;
      readonly totalNllChange: number | null;
      readonly shares: { readonly defined: boolean; readonly how: string };
      /** Distinct target token ids compared; `list` holds the first `listed` of them, most of the rise first. */
      readonly distinctTokens: number;
      readonly listed: number;
      readonly list: readonly TokenShiftRow[];
      readonly positionBuckets: readonly (Omit<PositionBucketShift, 'first' | 'last'> & { readonly first: number; readonly last: number | null })[];
    }
  | { readonly refused: string };

function row(entry: TokenShiftEntry, decoder: TokenTextDecoder | undefined): TokenShiftRow {
  return {
    id: entry.id,
    text: decoder === undefined ? null : tokenText(decoder, entry.id),
    count: entry.count,
    accuracyFrom: entry.accuracyFrom,
    accuracyTo: entry.accuracyTo,
    meanNllFrom: finite(entry.meanNllFrom),
    meanNllTo: finite(entry.meanNllTo),
    nllChange: finite(entry.nllChange),
    share: finite(entry.share),
    overconfidentFrom: entry.overconfidentFrom,
    overconfidentTo: entry.overconfidentTo,
  };
}

function bucketRow(bucket: PositionBucketShift): PositionBucketShift {
  return {
    ...bucket,
    meanNllFrom: finite(bucket.meanNllFrom),
    meanNllTo: finite(bucket.meanNllTo),
    nllChange: finite(bucket.nllChange),
    share: finite(bucket.share),
  };
}

export interface TokensRequest extends TokenShiftOptions {
  readonly steps?: StepRequest;
  /** How many tokens to list; DEFAULT_TOKENS_LISTED unless given. */
  readonly listed?: number;
}

/** The comparison of a run's evaluations, chosen as chooseEvaluations says, with the two inputs it compared. */
export function runTokenShift<T extends ShiftCandidate>(
  evaluations: readonly T[],
  request: TokensRequest = {},
): { readonly shift: TokenShift; readonly from: T; readonly to: T; readonly chosen: string } | { readonly refused: string } {
  const chosen = chooseEvaluations(evaluations, request.steps);
  if ('refused' in chosen) return chosen;
  const shift = tokenShift(chosen.from, chosen.to, request);
  return 'refused' in shift ? shift : { shift, from: chosen.from, to: chosen.to, chosen: chosen.how };
}

/** What `report --json` says of a run's tokens: the top `listed` by share of the rise, with their text when a decoder is given. */
export function tokensReport(evaluations: readonly ShiftCandidate[], request: TokensRequest = {}, decoder?: TokenTextDecoder): TokensReport {
  return reportOf(runTokenShift(evaluations, request), request, decoder);
}

/** The report of a comparison already made (runTokenShift). */
export function reportOf(
  result: { readonly shift: TokenShift; readonly chosen: string } | { readonly refused: string },
  request: TokensRequest = {},
  decoder?: TokenTextDecoder,
): TokensReport {
  if ('refused' in result) return result;
  const { shift } = result;
  const listed = Math.max(0, Math.min(shift.tokens.length, request.listed ?? DEFAULT_TOKENS_LISTED));
  return {
    fromStep: shift.fromStep,
    toStep: shift.toStep,
    chosen: result.chosen,
    pairedPositions: shift.pairedPositions,
    onlyFrom: shift.onlyFrom,
    onlyTo: shift.onlyTo,
    overconfidence: shift.overconfidence,
    totalNllChange: finite(shift.totalNllChange),
    shares: shift.shares,
    distinctTokens: shift.tokens.length,
    listed,
    list: shift.tokens.slice(0, listed).map((entry) => row(entry, decoder)),
    positionBuckets: shift.buckets.map(bucketRow),
  };
}

const fixed = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** The text report's lines for a run's tokens: the comparison and the top ten. */
export function tokensReportLines(report: TokensReport, visible: (text: string) => string = (text) => text): string[] {
  if ('refused' in report) return [`  tokens: ${report.refused}`];
  const total = report.totalNllChange === null ? '' : `, total NLL change ${fixed(report.totalNllChange, 4)} nats`;
  const lines = [
    `  tokens carrying the loss change, step ${report.fromStep} → ${report.toStep} (${report.chosen}; ${report.pairedPositions} positions${total}):`,
  ];
  for (const entry of report.list.slice(0, 10)) {
    const name = entry.text === null ? `#${entry.id}` : `${JSON.stringify(visible(entry.text))} #${entry.id}`;
    const share = entry.share === null ? '' : `share ${percent(entry.share)}, `;
    const over = entry.overconfidentFrom === null ? '' : `, over-confident errors ${entry.overconfidentFrom} → ${entry.overconfidentTo}`;
    lines.push(
      `    ${name} ×${entry.count}: ${share}NLL ${fixed(entry.meanNllFrom, 3)} → ${fixed(entry.meanNllTo, 3)}, accuracy ${percent(entry.accuracyFrom)} → ${percent(entry.accuracyTo)}${over}`,
    );
  }
  if (!report.shares.defined) lines.push(`    (${report.shares.how})`);
  return lines;
}
