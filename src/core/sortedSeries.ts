import type { Series } from './types';

/**
 * One metric's points from one source, kept as two parallel arrays sorted by step (16 bytes a point, not
 * the ~80 of a Map entry). Logs append in step order, so the common write is a push; an earlier step
 * (a resumed run, a duplicate final eval) is placed by binary search.
 */
export class SortedSeries implements Series {
  private stepArray: number[] = [];
  private valueArray: number[] = [];
  /** Points when the arrays were last fitted. */
  private fitted = 0;
  /** The steps array is shared with other series (see `shareSteps`): it is copied before this series writes a step. */
  private sharedSteps = false;
  /**
   * Changes that were not appends (a value overwritten, a step inserted before the last): while it stays the
   * same, this series extends what it was, and a pass over its points can resume where it stopped.
   */
  rewrites = 0;

  get steps(): number[] {
    return this.stepArray;
  }

  get values(): number[] {
    return this.valueArray;
  }

  /**
   * Drops the spare room a growing array keeps (V8 grows an array by half again as it fills), so that a
   * finished run holds 16 bytes a point, not 21. After a write (`settled` false) only once the series has
   * grown by a quarter since it was last fitted, so that a live run appended a line at a time pays O(1) a
   * point; when a read of the file is complete (`settled`), whenever it grew by 64 points or more. A copy,
   * so the arrays are other objects afterwards (see SeriesGrowth). Returns whether it copied.
   */
  fit(settled: boolean): boolean {
    const n = this.stepArray.length;
    const grown = n - this.fitted;
    if (grown < 64 || (!settled && grown < n / 4)) return false;
    this.stepArray = this.stepArray.slice();
    this.sharedSteps = false;
    this.valueArray = this.valueArray.slice();
    this.fitted = n;
    return true;
  }

  /**
   * Holds `steps`, equal to this series' own steps, in their place: series of one grid (the metrics a log writes
   * at the same steps, the runs of a sweep) keep one array. Either side copies it before it writes a step.
   */
  shareSteps(steps: number[]): void {
    this.stepArray = steps;
    this.sharedSteps = true;
  }

  /** The steps array, this series' own: a shared one is copied first. */
  private ownSteps(): number[] {
    if (this.sharedSteps) {
      this.stepArray = this.stepArray.slice();
      this.sharedSteps = false;
    }
    return this.stepArray;
  }

  /** Sets the value at `step`, the last write winning; returns whether anything changed. */
  set(step: number, value: number): boolean {
    const n = this.steps.length;
    const last = this.steps[n - 1];
    if (last === undefined || step > last) {
      this.ownSteps().push(step);
      this.values.push(value);
      return true;
    }
    // The last step again is as common as a new one (every metric of a record sets the record's epoch and
    // wall time at its step): answered without a search.
    if (step === last) {
      if (Object.is(this.values[n - 1], value)) return false;
      this.values[n - 1] = value;
      this.rewrites++;
      return true;
    }
    let low = 0;
    let high = n;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.steps[middle] as number) < step) low = middle + 1;
      else high = middle;
    }
    if (this.steps[low] === step) {
      if (Object.is(this.values[low], value)) return false;
      this.values[low] = value;
      this.rewrites++;
      return true;
    }
    this.ownSteps().splice(low, 0, step);
    this.values.splice(low, 0, value);
    this.rewrites++;
    return true;
  }

  /**
   * `set` for each of the first `length` points, in order. A run of steps above the last (a log read forward,
   * the common case) is pushed in one loop with no search and no call per point; any other step takes `set`,
   * so what counts as an append or a rewrite (see SeriesGrowth) is the same as one `set` at a time.
   */
  setAll(steps: Float64Array, values: Float64Array, length: number): boolean {
    if (length === 0) return false;
    const stepArray = this.ownSteps();
    const valueArray = this.valueArray;
    let changed = false;
    let i = 0;
    while (i < length) {
      const n = stepArray.length;
      const last = n === 0 ? undefined : (stepArray[n - 1] as number);
      if (last === undefined || (steps[i] as number) > last) {
        let previous = steps[i] as number;
        stepArray.push(previous);
        valueArray.push(values[i] as number);
        i++;
        while (i < length && (steps[i] as number) > previous) {
          previous = steps[i] as number;
          stepArray.push(previous);
          valueArray.push(values[i] as number);
          i++;
        }
        changed = true;
      } else {
        if (this.set(steps[i] as number, values[i] as number)) changed = true;
        i++;
      }
    }
    return changed;
  }

  equals(other: Series): boolean {
    if (other.steps.length !== this.steps.length) return false;
    for (let i = 0; i < this.steps.length; i++) {
      if (other.steps[i] !== this.steps[i] || !Object.is(other.values[i], this.values[i])) return false;
    }
    return true;
  }
}

/**
 * Merges step-sorted series; where two hold the same step, the later one in `layers` wins. A single
 * layer is shared, not copied: a snapshot is a view that holds until the store's next write.
 */
export function mergeSorted(layers: readonly Series[]): Series {
  const [only] = layers;
  if (layers.length === 1 && only !== undefined) return { steps: only.steps, values: only.values };
  let merged: Series = { steps: [], values: [] };
  for (const top of layers) {
    const steps: number[] = [];
    const values: number[] = [];
    let i = 0;
    let j = 0;
    while (i < merged.steps.length || j < top.steps.length) {
      const below = merged.steps[i];
      const above = top.steps[j];
      if (above === undefined || (below !== undefined && below < above)) {
        steps.push(below as number);
        values.push(merged.values[i++] as number);
      } else {
        if (below === above) i++;
        steps.push(above);
        values.push(top.values[j++] as number);
      }
    }
    merged = { steps, values };
  }
  return merged;
}
