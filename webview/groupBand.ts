/** A member's line as drawn: x ascending, y null (or NaN) where the run has no value. */
export interface MemberPoints {
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
}

/**
 * A group's mean line and its spread, on the union of its members' x values. At each x, `count` members had a
 * value there (their own or interpolated between two of their own points); `low`/`high` are the least and
 * greatest of those values, and `mean` their mean; all null where no member has a value.
 */
export interface GroupBand {
  readonly xs: readonly number[];
  readonly mean: readonly (number | null)[];
  readonly low: readonly (number | null)[];
  readonly high: readonly (number | null)[];
  readonly count: readonly number[];
}

/** The words the legend and the crosshair use for the band: one definition, said the same everywhere. */
export const SPREAD_NAME = 'min–max';

/** Finite points only, in x order, one per x (the last wins, as a re-logged step does in the store). */
function finitePoints(member: MemberPoints): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const { x, y } of member.points) {
    if (!Number.isFinite(x) || y === null || !Number.isFinite(y)) continue;
    if (xs.length > 0 && x < (xs[xs.length - 1] as number)) continue;
    if (xs.length > 0 && x === xs[xs.length - 1]) {
      ys[ys.length - 1] = y;
      continue;
    }
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/**
 * Mean and min–max spread of the members at every x any of them has. A member counts at an x only inside its own
 * first and last finite point: between two of its points its value is interpolated linearly, beyond them it has
 * none (never extrapolated), so a run that stopped early or started late leaves the band rather than bending it.
 * Non-finite values are gaps the interpolation bridges, as the drawn line does (spanGaps).
 *
 * Members on grids that do not line up make a union as long as all their points together, and each x costs a look
 * at every member: past `maxPoints` x values (about a point per pixel, as every line is drawn), the union is thinned
 * evenly, first and last kept. The values at the x values kept are exact; only the resolution drops.
 */
export function groupBand(members: readonly MemberPoints[], maxPoints = Number.POSITIVE_INFINITY): GroupBand {
  const clean = members.map(finitePoints).filter((member) => member.xs.length > 0);
  const union = thinned(
    [...new Set(clean.flatMap((member) => member.xs))].sort((a, b) => a - b),
    maxPoints,
  );
  const mean: (number | null)[] = [];
  const low: (number | null)[] = [];
  const high: (number | null)[] = [];
  const count: number[] = [];
  // One cursor per member, only ever moving forward: each member's points are passed once in all.
  const cursors = clean.map(() => 0);
  for (const x of union) {
    let sum = 0;
    let n = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    clean.forEach((member, m) => {
      const { xs, ys } = member;
      if (x < (xs[0] as number) || x > (xs[xs.length - 1] as number)) return;
      let i = cursors[m] as number;
      while (i < xs.length - 1 && (xs[i + 1] as number) <= x) i++;
      cursors[m] = i;
      const x0 = xs[i] as number;
      const y0 = ys[i] as number;
      const value = x0 === x || i === xs.length - 1 ? y0 : y0 + (((ys[i + 1] as number) - y0) * (x - x0)) / ((xs[i + 1] as number) - x0);
      sum += value;
      n++;
      if (value < min) min = value;
      if (value > max) max = value;
    });
    mean.push(n === 0 ? null : sum / n);
    low.push(n === 0 ? null : min);
    high.push(n === 0 ? null : max);
    count.push(n);
  }
  return { xs: union, mean, low, high, count };
}

/** At most `max` of the sorted values, evenly by index, the first and the last always among them. */
function thinned(values: readonly number[], max: number): number[] {
  if (values.length <= max || values.length < 3) return [...values];
  const count = Math.max(2, Math.floor(max));
  const step = (values.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => values[Math.round(i * step)] as number);
}
