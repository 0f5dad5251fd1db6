import { MAX_RECORD_TOKENS, type TokenRecords } from './tokenRecords';

/** One evaluation as the per-token analysis takes it: its step, per-token correctness and records. */
export interface TokenShiftInput {
  readonly step: number;
  readonly correctness: Uint8Array;
  readonly records?: TokenRecords;
}

export interface TokenShiftOptions {
  /** A wrong token is over-confident when the model's confidence (max p) is above this; 0.9 unless given. */
  readonly overconfidence?: number;
}

export const DEFAULT_OVERCONFIDENCE = 0.9;

/**
 * Shares of the rise are given only when the NLL rose by more than this fraction of Σ|ΔNLL| over the paired
 * positions: below it the total is mostly cancellation, and every share would be a ratio of noise (each token's
 * change many times the rise).
 */
export const SHARE_MIN_RISE = 0.01;

/** Both evaluations' numbers for one group of paired positions (a target token id, or a position bucket). */
export interface ShiftNumbers {
  readonly count: number;
  readonly accuracyFrom: number;
  readonly accuracyTo: number;
  /** Mean NLL of the group at each evaluation; null when either evaluation has no log-probabilities. */
  readonly meanNllFrom: number | null;
  readonly meanNllTo: number | null;
  /** Σ over the group's positions of NLL(to) − NLL(from); null without log-probabilities. */
  readonly nllChange: number | null;
  /** nllChange / the total change over all paired positions, when shares are defined (TokenShift.shares); can be negative. */
  readonly share: number | null;
  /** Wrong with confidence above the threshold, at each evaluation; null without log-probabilities. */
  readonly overconfidentFrom: number | null;
  readonly overconfidentTo: number | null;
}

export interface TokenShiftEntry extends ShiftNumbers {
  /** The target (label) token id. */
  readonly id: number;
}

export interface PositionBucketShift extends ShiftNumbers {
  /** Positions first..last in the sequence (last null: no end). */
  readonly first: number;
  readonly last: number | null;
}

/** Fixed position buckets within the sequence: the start, the first stretch, the body, and long contexts. */
export const POSITION_BUCKETS: readonly { readonly first: number; readonly last: number | null }[] = [
  { first: 0, last: 15 },
  { first: 16, last: 63 },
  { first: 64, last: 255 },
  { first: 256, last: null },
];

export interface TokenShift {
  readonly fromStep: number;
  readonly toStep: number;
  /** Positions found in both evaluations (same sequence and position, same label), and those found in only one. */
  readonly pairedPositions: number;
  readonly onlyFrom: number;
  readonly onlyTo: number;
  readonly overconfidence: number;
  /** Σ NLL(to) − NLL(from) over the paired positions, and Σ |NLL(to) − NLL(from)|; null without log-probabilities. */
  readonly totalNllChange: number | null;
  readonly totalAbsoluteNllChange: number | null;
  /** Whether shares of the rise are given, and what orders the tokens, in words. */
  readonly shares: { readonly defined: boolean; readonly how: string };
  /** Every target token id of the paired positions, most of the rise first. */
  readonly tokens: readonly TokenShiftEntry[];
  readonly buckets: readonly PositionBucketShift[];
  /** For contexts: the paired positions as indices into each evaluation's records, in the later one's order. */
  readonly pairs: { readonly from: Int32Array; readonly to: Int32Array };
}

/**
 * Pairs the scored positions of two evaluations by (sequence, position): index by index when both list the
 * same places in the same order, else through a lookup. Refused when either has no records, a place is listed
 * twice, nothing pairs, or a paired place has different labels (not the same eval set, or not in the same order).
 */
export function pairPositions(
  from: TokenRecords,
  to: TokenRecords,
): { from: Int32Array; to: Int32Array; onlyFrom: number; onlyTo: number } | { refused: string } {
  const n = to.labels.length;
  let same = from.labels.length === n;
  for (let i = 0; same && i < n; i++) same = from.sequence[i] === to.sequence[i] && from.position[i] === to.position[i];
  let fromIndex: Int32Array;
  let toIndex: Int32Array;
  if (same) {
    fromIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) fromIndex[i] = i;
    toIndex = fromIndex;
  } else {
    const lookup = new Map<number, Map<number, number>>();
    for (let i = 0; i < from.labels.length; i++) {
      const s = from.sequence[i] as number;
      const places = lookup.get(s) ?? new Map<number, number>();
      if (places.has(from.position[i] as number))
        return { refused: `Sequence ${s}, position ${from.position[i]} is listed twice in one evaluation: positions cannot be paired.` };
      places.set(from.position[i] as number, i);
      lookup.set(s, places);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let j = 0; j < n; j++) {
      const i = lookup.get(to.sequence[j] as number)?.get(to.position[j] as number);
      if (i === undefined) continue;
      a.push(i);
      b.push(j);
    }
    fromIndex = Int32Array.from(a);
    toIndex = Int32Array.from(b);
  }
  if (toIndex.length === 0) return { refused: 'No position (sequence and position in it) is in both evaluations: they are not over the same eval set.' };
  let differ = 0;
  let first = -1;
  for (let k = 0; k < toIndex.length; k++) {
    if (from.labels[fromIndex[k] as number] === to.labels[toIndex[k] as number]) continue;
    differ++;
    if (first < 0) first = k;
  }
  if (differ > 0) {
    const j = toIndex[first] as number;
    const i = fromIndex[first] as number;
    return {
      refused:
        `The labels differ at ${differ} of ${toIndex.length} positions paired by sequence and position (first at sequence ${to.sequence[j]}, ` +
        `position ${to.position[j]}: token ${from.labels[i]}, then ${to.labels[j]}): the two evaluations are not of the same eval set in the same order, so their tokens are not compared.`,
    };
  }
  return { from: fromIndex, to: toIndex, onlyFrom: from.labels.length - toIndex.length, onlyTo: n - toIndex.length };
}

/** Sums kept per group (a token id, or a position bucket), WIDTH numbers each in one Float64Array. */
const COUNT = 0;
const CORRECT_FROM = 1;
const CORRECT_TO = 2;
const NLL_FROM = 3;
const NLL_TO = 4;
const OVER_FROM = 5;
const OVER_TO = 6;
const WIDTH = 7;

function numbersAt(sums: Float64Array, group: number, withNll: boolean, total: number | null, sharesDefined: boolean): ShiftNumbers {
  const at = group * WIDTH;
  const count = sums[at + COUNT] as number;
  const change = (sums[at + NLL_TO] as number) - (sums[at + NLL_FROM] as number);
  return {
    count,
    accuracyFrom: (sums[at + CORRECT_FROM] as number) / count,
    accuracyTo: (sums[at + CORRECT_TO] as number) / count,
    meanNllFrom: withNll ? (sums[at + NLL_FROM] as number) / count : null,
    meanNllTo: withNll ? (sums[at + NLL_TO] as number) / count : null,
    nllChange: withNll ? change : null,
    share: withNll && sharesDefined && total !== null ? change / total : null,
    overconfidentFrom: withNll ? (sums[at + OVER_FROM] as number) : null,
    overconfidentTo: withNll ? (sums[at + OVER_TO] as number) : null,
  };
}

/** Labels up to this are grouped through a table indexed by id (a vocabulary's ids); others through a Map. */
const DENSE_IDS = 1 << 24;

/** A group number for each paired position's label, numbered in order of first appearance, and each group's id. */
function groupByLabel(labels: Int32Array, pairs: Int32Array): { readonly group: Int32Array; readonly ids: number[] } {
  let min = 0;
  let max = 0;
  for (let k = 0; k < pairs.length; k++) {
    const id = labels[pairs[k] as number] as number;
    if (id < min) min = id;
    if (id > max) max = id;
  }
  const group = new Int32Array(pairs.length);
  const ids: number[] = [];
  const table = min >= 0 && max < DENSE_IDS ? new Int32Array(max + 1).fill(-1) : undefined;
  const map = table === undefined ? new Map<number, number>() : undefined;
  for (let k = 0; k < pairs.length; k++) {
    const id = labels[pairs[k] as number] as number;
    let known = table === undefined ? (map?.get(id) ?? -1) : (table[id] as number);
    if (known < 0) {
      known = ids.length;
      ids.push(id);
      if (table === undefined) map?.set(id, known);
      else table[id] = known;
    }
    group[k] = known;
  }
  return { group, ids };
}

function addTo(sums: Float64Array, at: number, rightFrom: number, rightTo: number, nllFrom: number, nllTo: number, overFrom: number, overTo: number): void {
  sums[at + COUNT] = (sums[at + COUNT] as number) + 1;
  sums[at + CORRECT_FROM] = (sums[at + CORRECT_FROM] as number) + rightFrom;
  sums[at + CORRECT_TO] = (sums[at + CORRECT_TO] as number) + rightTo;
  sums[at + NLL_FROM] = (sums[at + NLL_FROM] as number) + nllFrom;
  sums[at + NLL_TO] = (sums[at + NLL_TO] as number) + nllTo;
  sums[at + OVER_FROM] = (sums[at + OVER_FROM] as number) + overFrom;
  sums[at + OVER_TO] = (sums[at + OVER_TO] as number) + overTo;
}

function bucketOf(position: number): number {
  for (let b = POSITION_BUCKETS.length - 1; b > 0; b--) if (position >= (POSITION_BUCKETS[b] as { first: number }).first) return b;
  return 0;
}

/**
 * Which target tokens carry the NLL change between two evaluations of the same eval set (`from` before `to`):
 * per token id and per position bucket, the count of paired positions, accuracy and mean NLL at both, the
 * summed NLL change and its share of the total change (when the NLL rose by more than SHARE_MIN_RISE of
 * Σ|ΔNLL|), and the over-confident errors at both. Ids and counts are exact; sums are in float64.
 */
export function tokenShift(from: TokenShiftInput, to: TokenShiftInput, options: TokenShiftOptions = {}): TokenShift | { refused: string } {
  const a = from.records;
  const b = to.records;
  const missing = [a === undefined ? from.step : undefined, b === undefined ? to.step : undefined].filter((step) => step !== undefined);
  if (a === undefined || b === undefined)
    return {
      refused: `No per-token records for step ${missing.join(' and ')} (they are kept for at most ${MAX_RECORD_TOKENS} scored tokens an evaluation; the editor keeps them for each run's least-loss and latest evaluations only).`,
    };
  const paired = pairPositions(a, b);
  if ('refused' in paired) return paired;
  const threshold = options.overconfidence ?? DEFAULT_OVERCONFIDENCE;
  const [nllA, nllB, confidenceA, confidenceB] = [a.nll, b.nll, a.confidence, b.confidence];
  const withNll = nllA !== undefined && nllB !== undefined && confidenceA !== undefined && confidenceB !== undefined;
  const { group, ids } = groupByLabel(b.labels, paired.to);
  const sums = new Float64Array(ids.length * WIDTH);
  const bucketSums = new Float64Array(POSITION_BUCKETS.length * WIDTH);
  let total = 0;
  let absolute = 0;
  for (let k = 0; k < paired.to.length; k++) {
    const i = paired.from[k] as number;
    const j = paired.to[k] as number;
    const rightFrom = from.correctness[i] === 1 ? 1 : 0;
    const rightTo = to.correctness[j] === 1 ? 1 : 0;
    let nllFrom = 0;
    let nllTo = 0;
    let overFrom = 0;
    let overTo = 0;
    if (withNll) {
      nllFrom = nllA[i] as number;
      nllTo = nllB[j] as number;
      overFrom = rightFrom === 0 && (confidenceA[i] as number) > threshold ? 1 : 0;
      overTo = rightTo === 0 && (confidenceB[j] as number) > threshold ? 1 : 0;
      total += nllTo - nllFrom;
      absolute += Math.abs(nllTo - nllFrom);
    }
    addTo(sums, (group[k] as number) * WIDTH, rightFrom, rightTo, nllFrom, nllTo, overFrom, overTo);
    addTo(bucketSums, bucketOf(b.position[j] as number) * WIDTH, rightFrom, rightTo, nllFrom, nllTo, overFrom, overTo);
  }
  const sharesDefined = withNll && total > SHARE_MIN_RISE * absolute && total > 0;
  const totalOrNull = withNll ? total : null;
  const tokens = ids.map((id, g): TokenShiftEntry => ({ id, ...numbersAt(sums, g, withNll, totalOrNull, sharesDefined) }));
  // Most NLL added first (the same order as the share when shares are defined); without NLL, most tokens turned wrong.
  const weight = (entry: TokenShiftEntry): number => entry.nllChange ?? (entry.accuracyFrom - entry.accuracyTo) * entry.count;
  tokens.sort((x, y) => weight(y) - weight(x) || x.id - y.id);
  return {
    fromStep: from.step,
    toStep: to.step,
    pairedPositions: paired.to.length,
    onlyFrom: paired.onlyFrom,
    onlyTo: paired.onlyTo,
    overconfidence: threshold,
    totalNllChange: totalOrNull,
    totalAbsoluteNllChange: withNll ? absolute : null,
    shares: { defined: sharesDefined, how: sharesText(withNll, total, absolute, sharesDefined) },
    tokens,
    buckets: POSITION_BUCKETS.map((bucket, k) => ({ ...bucket, ...numbersAt(bucketSums, k, withNll, totalOrNull, sharesDefined) })).filter(
      (bucket) => bucket.count > 0,
    ),
    pairs: { from: paired.from, to: paired.to },
  };
}

function sharesText(withNll: boolean, total: number, absolute: number, defined: boolean): string {
  if (!withNll) return 'no log-probabilities (predictions only): no NLL or shares; tokens ordered by how many of their positions turned wrong';
  if (defined)
    return `share = a token's summed NLL change over its positions / the total change (${total.toFixed(4)} nats over the paired positions); shares sum to 1 and are negative for tokens whose NLL fell`;
  return `the NLL did not rise by more than ${SHARE_MIN_RISE * 100}% of the summed absolute change (total ${total.toFixed(4)}, absolute ${absolute.toFixed(4)} nats): shares of the rise are not defined; tokens ordered by their summed NLL change`;
}
