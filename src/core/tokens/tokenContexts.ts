import type { PositionBucketShift, TokenShift, TokenShiftInput } from './tokenShift';
import { reportOf, runTokenShift, tokenText, type ShiftCandidate, type TokenShiftRow, type TokensRequest, type TokenTextDecoder } from './tokenShiftView';

/** Contexts kept for each listed token, and the scored positions on each side of it: what the panel shows stays bounded. */
export const CONTEXTS_PER_TOKEN = 3;
export const CONTEXT_WIDTH = 6;

/** One token of a context at one evaluation: right or wrong, and how sure the model was (max p; null without log-probabilities). */
export interface ContextMark {
  readonly correct: boolean;
  readonly confidence: number | null;
}

export interface ContextToken {
  readonly id: number;
  readonly text: string | null;
  readonly position: number;
  /** The token the context is for. */
  readonly centre: boolean;
  readonly from: ContextMark;
  readonly to: ContextMark;
}

/** The label sequence around one position of a token, with both evaluations' marks. */
export interface TokenContext {
  readonly sequence: number;
  readonly position: number;
  readonly tokens: readonly ContextToken[];
}

function mark(input: TokenShiftInput, index: number): ContextMark {
  const confidence = input.records?.confidence?.[index];
  return { correct: input.correctness[index] === 1, confidence: confidence === undefined || !Number.isFinite(confidence) ? null : confidence };
}

/**
 * Up to `count` contexts of token `id`: its paired positions whose NLL rose most (without log-probabilities,
 * those that turned wrong first), each with the paired positions of the same sequence within `width` on
 * either side. Scored positions only: the compact form keeps no others.
 */
export function tokenContexts(
  shift: TokenShift,
  from: TokenShiftInput,
  to: TokenShiftInput,
  id: number,
  decoder?: TokenTextDecoder,
  count = CONTEXTS_PER_TOKEN,
  width = CONTEXT_WIDTH,
): TokenContext[] {
  const a = from.records;
  const b = to.records;
  if (a === undefined || b === undefined) return [];
  const pairs = shift.pairs;
  const change = (k: number): number => {
    const i = pairs.from[k] as number;
    const j = pairs.to[k] as number;
    const nllFrom = a.nll?.[i];
    const nllTo = b.nll?.[j];
    if (nllFrom !== undefined && nllTo !== undefined) return nllTo - nllFrom;
    return (from.correctness[i] as number) - (to.correctness[j] as number);
  };
  const chosen: number[] = [];
  for (let k = 0; k < pairs.to.length; k++) if (b.labels[pairs.to[k] as number] === id) chosen.push(k);
  chosen.sort((x, y) => change(y) - change(x) || x - y);
  const text = (token: number): string | null => (decoder === undefined ? null : tokenText(decoder, token));
  return chosen.slice(0, count).map((k) => {
    const centre = pairs.to[k] as number;
    const sequence = b.sequence[centre] as number;
    const position = b.position[centre] as number;
    const tokens: ContextToken[] = [];
    for (let n = Math.max(0, k - width); n <= Math.min(pairs.to.length - 1, k + width); n++) {
      const j = pairs.to[n] as number;
      if (b.sequence[j] !== sequence || Math.abs((b.position[j] as number) - position) > width) continue;
      const i = pairs.from[n] as number;
      const token = b.labels[j] as number;
      tokens.push({ id: token, text: text(token), position: b.position[j] as number, centre: n === k, from: mark(from, i), to: mark(to, j) });
    }
    return { sequence, position, tokens };
  });
}

/** The panel's Tokens section for one run: the report's comparison, each listed token with a few of its contexts. */
export type TokensView =
  | {
      readonly runId: string;
      readonly fromStep: number;
      readonly toStep: number;
      readonly chosen: string;
      readonly pairedPositions: number;
      readonly overconfidence: number;
      readonly totalNllChange: number | null;
      readonly shares: { readonly defined: boolean; readonly how: string };
      readonly distinctTokens: number;
      readonly rows: readonly (TokenShiftRow & { readonly contexts: readonly TokenContext[] })[];
      /** The same numbers by position in the sequence (tokenShift.ts, POSITION_BUCKETS). */
      readonly positionBuckets: readonly PositionBucketShift[];
    }
  | { readonly runId: string; readonly refused: string };

export function buildTokensView(runId: string, evaluations: readonly ShiftCandidate[], request: TokensRequest = {}, decoder?: TokenTextDecoder): TokensView {
  const compared = runTokenShift(evaluations, request);
  if ('refused' in compared) return { runId, refused: compared.refused };
  const report = reportOf(compared, request, decoder);
  if ('refused' in report) return { runId, refused: report.refused };
  return {
    runId,
    fromStep: report.fromStep,
    toStep: report.toStep,
    chosen: report.chosen,
    pairedPositions: report.pairedPositions,
    overconfidence: report.overconfidence,
    totalNllChange: report.totalNllChange,
    shares: report.shares,
    distinctTokens: report.distinctTokens,
    positionBuckets: report.positionBuckets,
    rows: report.list.map((row) => ({ ...row, contexts: tokenContexts(compared.shift, compared.from, compared.to, row.id, decoder) })),
  };
}
