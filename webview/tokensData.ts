import type { TokensView } from '../src/core/tokens/tokenContexts';
import type { PositionBucketShift } from '../src/core/tokens/tokenShift';

export type TokenRow = Extract<TokensView, { rows: unknown }>['rows'][number];

/** The orders the Tokens table offers: share of the loss rise, over-confident errors added, accuracy lost. */
export type TokensSort = 'share' | 'overconfident' | 'accuracy';

export const SORT_TITLES: Readonly<Record<TokensSort, string>> = {
  share: 'Share of the rise',
  overconfident: 'Over-confident errors',
  accuracy: 'Accuracy change',
};

const overconfidentAdded = (row: TokenRow): number => (row.overconfidentTo ?? 0) - (row.overconfidentFrom ?? 0);
const accuracyChange = (row: TokenRow): number => row.accuracyTo - row.accuracyFrom;

/**
 * The rows in the order asked for, ties by token id: `share` keeps the host's order (most of the rise first,
 * or most NLL added when shares are not defined); `overconfident`, most over-confident errors added first;
 * `accuracy`, the largest accuracy drop first.
 */
export function sortTokenRows(rows: readonly TokenRow[], sort: TokensSort): TokenRow[] {
  if (sort === 'share') return [...rows];
  const key = sort === 'overconfident' ? (row: TokenRow): number => -overconfidentAdded(row) : accuracyChange;
  return [...rows].sort((a, b) => key(a) - key(b) || a.id - b.id);
}

/** How a token is named: its decoded text, quoted so that spaces show, else its id. */
export function tokenName(token: { readonly id: number; readonly text: string | null }): string {
  return token.text === null ? `#${token.id}` : JSON.stringify(token.text);
}

/** Opacity of a context token: faint when the model was unsure, solid when sure; mid-way without log-probabilities. */
export function confidenceShade(confidence: number | null): number {
  return confidence === null ? 0.6 : 0.25 + 0.75 * Math.min(1, Math.max(0, confidence));
}

/** The loss change by position in the sequence, in a line: where in the sequences the rise sits. */
export function bucketsText(buckets: readonly PositionBucketShift[]): string {
  if (buckets.length === 0) return '';
  const parts = buckets.map((bucket) => {
    const range = bucket.last === null ? `${bucket.first}+` : `${bucket.first}–${bucket.last}`;
    const share =
      bucket.share === null ? (bucket.nllChange === null ? '' : `NLL change ${fixed(bucket.nllChange, 2)} nats, `) : `share ${percent(bucket.share)}, `;
    const over = bucket.overconfidentFrom === null ? '' : `, over-confident errors ${bucket.overconfidentFrom} → ${bucket.overconfidentTo}`;
    return `${range} (${bucket.count} positions): ${share}accuracy ${percent(bucket.accuracyFrom)} → ${percent(bucket.accuracyTo)}${over}`;
  });
  return `By position in the sequence: ${parts.join('; ')}.`;
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
const fixed = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));

/** A row's cells as text, in the table's column order. */
export function rowCells(row: TokenRow): Record<'count' | 'share' | 'nll' | 'accuracy' | 'overconfident', string> {
  const change = accuracyChange(row) * 100;
  return {
    count: String(row.count),
    share: row.share === null ? (row.nllChange === null ? '–' : `${fixed(row.nllChange, 2)} nats`) : percent(row.share),
    nll: `${fixed(row.meanNllFrom, 3)} → ${fixed(row.meanNllTo, 3)}`,
    accuracy: `${percent(row.accuracyFrom)} → ${percent(row.accuracyTo)} (${change >= 0 ? '+' : ''}${change.toFixed(1)})`,
    overconfident: row.overconfidentFrom === null ? '–' : `${row.overconfidentFrom} → ${row.overconfidentTo}`,
  };
}
