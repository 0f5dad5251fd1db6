import type { SortedSeries } from './sortedSeries';

/** Series shorter than this keep their own steps: sharing would save little and cost a comparison and a copy on write. */
export const MIN_SHARED_POINTS = 64;
/** Series remembered per (length, first step, last step): distinct grids that agree on all three are rare. */
const HOLDERS_PER_KEY = 4;

/**
 * The steps of settled series, so that a series whose steps equal another's holds that one's array instead of
 * its own (SortedSeries.shareSteps): the metrics a log writes at the same steps, and the runs of a sweep, which
 * log on one grid (1,000 runs × 10,000 points held 80 MB of equal steps). Series are held weakly: one the
 * store drops is not kept alive here.
 */
export class StepGrids {
  private readonly holders = new Map<string, WeakRef<SortedSeries>[]>();
  /** The key each remembered series is under, so that one that grew is remembered under its new key only. */
  private readonly keys = new WeakMap<SortedSeries, string>();

  /** Gives `series` the array of an equal grid seen before, else remembers its own. */
  share(series: SortedSeries): void {
    const steps = series.steps;
    const n = steps.length;
    if (n < MIN_SHARED_POINTS) return;
    const key = `${n}:${steps[0] as number}:${steps[n - 1] as number}`;
    const previous = this.keys.get(series);
    if (previous !== undefined && previous !== key) this.forget(series, previous);
    const refs = this.holders.get(key) ?? [];
    let found: SortedSeries | undefined;
    let remembered = false;
    const live = refs.filter((ref) => {
      const holder = ref.deref();
      // A holder that grew since is under another key now, or will be at its next settle.
      if (holder === undefined || holder.steps.length !== n) return false;
      if (holder === series) remembered = true;
      else if (found === undefined && (holder.steps === steps || sameSteps(holder.steps, steps))) found = holder;
      return true;
    });
    if (found !== undefined && found.steps !== steps) {
      // Both hold the array now: whichever writes a step next copies it first.
      found.shareSteps(found.steps);
      series.shareSteps(found.steps);
      this.keep(key, live);
      return;
    }
    if (found === undefined && !remembered && live.length < HOLDERS_PER_KEY) {
      live.push(new WeakRef(series));
      this.keys.set(series, key);
    }
    this.keep(key, live);
  }

  private keep(key: string, refs: WeakRef<SortedSeries>[]): void {
    if (refs.length === 0) this.holders.delete(key);
    else this.holders.set(key, refs);
  }

  private forget(series: SortedSeries, key: string): void {
    this.keys.delete(series);
    this.keep(
      key,
      (this.holders.get(key) ?? []).filter((ref) => {
        const holder = ref.deref();
        return holder !== undefined && holder !== series;
      }),
    );
  }
}

function sameSteps(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
