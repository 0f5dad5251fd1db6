import type { Series } from './types';
import { MIN_SHARED_POINTS } from './stepGrids';

/** Pending runs a series holds before it writes them into its arrays anyway (see SortedSeries.pendingSteps). */
const MAX_PENDING_RUNS = 1024;
/**
 * The largest batch held aside. A chunk of a read spread over several keys (an event file's 490 points a tag)
 * is held; a batch larger than this is most of a small file (a JSONL log of one metric, 8,000 points a chunk),
 * and held until its read ends its typed arrays outlived the young generation: 1,000 runs of 10,000 points
 * peaked at 195.6 MB instead of 187.8. Pushed, they die young as before.
 */
const MAX_PENDING_BATCH = 4096;

/** The longest template PackedArrays keeps (512 KiB): a longer array is made of several copies of it, in one allocation. */
const MAX_TEMPLATE = 1 << 16;

/**
 * Makes arrays of numbers of a given length in V8's packed form, for a series to fill: `new Array(n)` is holey
 * (JSON.stringify of 100,000 numbers then took 10.3 ms, not 7.7), and pushing n numbers grows the array by half
 * again some twenty times. A template, grown as needed, is copied for each array: 0.57 ms for 100,000 numbers
 * made and filled, against 2.28 ms pushed. The store keeps one for all its runs (made anew for each run's read,
 * the template's doublings cost 1,000 runs of 10,000 points 0.12 s).
 */
export class PackedArrays {
  private template: number[] = [0.5];
  /** The last steps array made in this pass, and the series holding it: the metrics of one log mostly share their steps. */
  lastSteps: number[] | undefined;
  lastStepsHolder: SortedSeries | undefined;

  make(length: number): number[] {
    const wanted = Math.min(length, MAX_TEMPLATE);
    let template = this.template;
    while (template.length < wanted) template = template.concat(template.slice(0, wanted - template.length));
    this.template = template;
    if (length <= template.length) return template.slice(0, length);
    const copies: number[][] = [];
    let rest = length - template.length;
    for (; rest > template.length; rest -= template.length) copies.push(template);
    copies.push(template.slice(0, rest));
    return template.concat(...copies);
  }

  /** A pass over a read's series is over: the series that made the last steps is not held past it. */
  endPass(): void {
    this.lastSteps = undefined;
    this.lastStepsHolder = undefined;
  }
}

/** Whether `steps` holds the steps of `chunks` in turn (their lengths summing to its length). */
function sameAsChunks(steps: readonly number[], chunks: readonly Float64Array[]): boolean {
  let at = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c] as Float64Array;
    for (let i = 0; i < chunk.length; i++, at++) if (steps[at] !== chunk[i]) return false;
  }
  return true;
}

/**
 * How many distinct steps the first `length` hold when they never fall (NaN falls), else -1. Each loop of
 * `fillEmpty` is a function of its own: V8 compiles a long loop while it runs, and code after it that had not
 * run yet was compiled without feedback and thrown away again on every call (six compiles for seven series).
 */
function distinctRising(steps: Float64Array, length: number): number {
  let distinct = 1;
  for (let i = 1; i < length; i++) {
    const step = steps[i] as number;
    const previous = steps[i - 1] as number;
    if (step > previous) distinct++;
    else if (step !== previous) return -1;
  }
  return distinct;
}

/** Writes each distinct step of the first `length` once, with the last value at it, as `pushRun` would; returns the rewrites (values changed at a repeated step). */
function fillDistinct(stepArray: number[], valueArray: number[], steps: Float64Array, values: Float64Array, length: number): number {
  let previous = steps[0] as number;
  let value = values[0] as number;
  let rewrites = 0;
  let at = 0;
  for (let i = 1; i < length; i++) {
    const step = steps[i] as number;
    if (step > previous) {
      stepArray[at] = previous;
      valueArray[at++] = value;
      previous = step;
      value = values[i] as number;
    } else {
      const next = values[i] as number;
      if (!Object.is(value, next)) {
        value = next;
        rewrites++;
      }
    }
  }
  stepArray[at] = previous;
  valueArray[at] = value;
  return rewrites;
}

/**
 * One metric's points from one source, kept as two parallel arrays sorted by step (16 bytes a point, not
 * the ~80 of a Map entry). Logs append in step order, so the common write is a push; an earlier step
 * (a resumed run, a duplicate final eval) is placed by binary search.
 */
export class SortedSeries implements Series {
  private stepArray: number[] = [];
  private valueArray: number[] = [];
  /**
   * Runs of points above the last step that `setAll` took and has not written into the arrays yet: a file read
   * in chunks becomes its arrays once, at their final size, when they are first read (see `flush`), instead of
   * growing them by half again point by point and copying them to fit (a third of a 1,000,000-point event
   * file's store time). The arrays are the caller's, kept as they were passed, never written.
   */
  private pendingSteps: Float64Array[] = [];
  private pendingValues: Float64Array[] = [];
  private pendingLength = 0;
  /** Points when the arrays were last fitted. */
  private fitted = 0;
  /** The steps array is shared with other series (see `shareSteps`): it is copied before this series writes a step. */
  private sharedSteps = false;
  /**
   * The length the arrays had when `fillEmpty` made them at their size since the last fit (-1: none): while they
   * still have it, `fit` has nothing to shed; once a later write grew them, they have V8's spare room again.
   */
  private madeAtLength = -1;
  /**
   * Changes that were not appends (a value overwritten, a step inserted before the last): while it stays the
   * same, this series extends what it was, and a pass over its points can resume where it stopped.
   */
  rewrites = 0;

  get steps(): number[] {
    if (this.pendingLength !== 0) this.flush(new PackedArrays());
    return this.stepArray;
  }

  get values(): number[] {
    if (this.pendingLength !== 0) this.flush(new PackedArrays());
    return this.valueArray;
  }

  /**
   * Drops the spare room a growing array keeps (V8 grows an array by half again as it fills), so that a
   * finished run holds 16 bytes a point, not 21. After a write (`settled` false) only once the series has
   * grown by a quarter since it was last fitted, so that a live run appended a line at a time pays O(1) a
   * point; when a read of the file is complete (`settled`), whenever it grew by 64 points or more. A copy,
   * so the arrays are other objects afterwards (see SeriesGrowth). Returns whether it copied. Pending appends
   * are written first; arrays made from them alone are made at their size (`arrays` makes them), and not copied.
   */
  fit(settled: boolean, arrays = new PackedArrays()): boolean {
    const made = this.flush(arrays) || this.madeAtLength === this.stepArray.length;
    this.madeAtLength = -1;
    const n = this.stepArray.length;
    const grown = n - this.fitted;
    if (grown < 64 || (!settled && grown < n / 4)) return false;
    if (!made) {
      this.stepArray = this.stepArray.slice();
      this.sharedSteps = false;
      this.valueArray = this.valueArray.slice();
    }
    this.fitted = n;
    return true;
  }

  /**
   * Writes the pending appends into the arrays: into new arrays of exactly their size when the series held no
   * point (returns true), else pushed onto the arrays it holds, which stay the same objects (a kept pass over
   * them resumes, see SeriesGrowth).
   */
  private flush(arrays: PackedArrays): boolean {
    const length = this.pendingLength;
    if (length === 0) return false;
    const stepChunks = this.pendingSteps;
    const valueChunks = this.pendingValues;
    this.pendingSteps = [];
    this.pendingValues = [];
    this.pendingLength = 0;
    if (this.stepArray.length === 0) {
      const values = arrays.make(length);
      let at = 0;
      for (let c = 0; c < valueChunks.length; c++) {
        const chunk = valueChunks[c] as Float64Array;
        for (let i = 0; i < chunk.length; i++, at++) values[at] = chunk[i] as number;
      }
      this.valueArray = values;
      // Steps equal to those the series before made take its array, both copying it before they write a step
      // (as StepGrids would have them share it after): one array made for a log's metrics, not one each.
      const { lastSteps, lastStepsHolder } = arrays;
      if (
        length >= MIN_SHARED_POINTS &&
        lastSteps !== undefined &&
        lastStepsHolder !== undefined &&
        lastStepsHolder.stepArray === lastSteps &&
        lastSteps.length === length &&
        sameAsChunks(lastSteps, stepChunks)
      ) {
        lastStepsHolder.sharedSteps = true;
        this.stepArray = lastSteps;
        this.sharedSteps = true;
        return true;
      }
      const steps = arrays.make(length);
      at = 0;
      for (let c = 0; c < stepChunks.length; c++) {
        const chunk = stepChunks[c] as Float64Array;
        for (let i = 0; i < chunk.length; i++, at++) steps[at] = chunk[i] as number;
      }
      this.stepArray = steps;
      this.sharedSteps = false;
      arrays.lastSteps = steps;
      arrays.lastStepsHolder = this;
      return true;
    }
    const stepArray = this.ownSteps();
    const valueArray = this.valueArray;
    for (let c = 0; c < stepChunks.length; c++) {
      const chunkSteps = stepChunks[c] as Float64Array;
      const chunkValues = valueChunks[c] as Float64Array;
      for (let i = 0; i < chunkSteps.length; i++) {
        stepArray.push(chunkSteps[i] as number);
        valueArray.push(chunkValues[i] as number);
      }
    }
    return false;
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
   * `set` for each of the first `length` points, in order. Steps that all rise above the last (a log read
   * forward, the common case) are held aside as they are, and written into the arrays when these are next
   * read (see `flush`): the caller must not change the first `length` of `steps` and `values` afterwards. Any
   * other batch is pushed in one loop with no search and no call per point where it rises (or repeats the last
   * step), and takes `set` elsewhere, so what counts as an append or a rewrite (see SeriesGrowth) is the same
   * as one `set` at a time. Such a batch into a series that holds nothing yet, its steps never falling (a file
   * read whole, an axis whose steps repeat), makes the arrays at their size in one pass (`fillEmpty`). `arrays`
   * makes arrays (the store's own).
   */
  setAll(steps: Float64Array, values: Float64Array, length: number, arrays = new PackedArrays()): boolean {
    if (length === 0) return false;
    if (length <= MAX_PENDING_BATCH && this.risesAboveLast(steps, length)) {
      // Kept as they are (a batch's columns are not written after), or a copy of the part taken.
      this.pendingSteps.push(length === steps.length ? steps : steps.slice(0, length));
      this.pendingValues.push(length === values.length ? values : values.slice(0, length));
      this.pendingLength += length;
      // A followed log appending a few points at a time is written in every so often, not held in thousands of pieces.
      if (this.pendingSteps.length >= MAX_PENDING_RUNS) this.flush(new PackedArrays());
      return true;
    }
    if (this.pendingLength !== 0) this.flush(new PackedArrays());
    if (this.stepArray.length === 0 && this.fillEmpty(steps, values, length, arrays)) return true;
    const stepArray = this.ownSteps();
    const valueArray = this.valueArray;
    let changed = false;
    let i = 0;
    while (i < length) {
      const n = stepArray.length;
      const last = n === 0 ? undefined : (stepArray[n - 1] as number);
      if (last === undefined || (steps[i] as number) > last) {
        i = this.pushRun(stepArray, valueArray, steps, values, i, length);
        changed = true;
      } else {
        if (this.set(steps[i] as number, values[i] as number)) changed = true;
        i++;
      }
    }
    return changed;
  }

  /**
   * The arrays of an empty series made from the first `length` points when their steps never fall: at their
   * size, each step once with the last value written at it, rewrites counted as `pushRun` counts them. Pushed,
   * 200,000 points grew the arrays by half again some thirty times and were copied once more to fit (a
   * trainer_state.json's 1,000,000 points took 60 ms of the store's 80). False, with nothing written, when a
   * step falls or is NaN: `pushRun` and `set` take those.
   */
  private fillEmpty(steps: Float64Array, values: Float64Array, length: number, arrays: PackedArrays): boolean {
    const distinct = distinctRising(steps, length);
    if (distinct < 0) return false;
    const stepArray = arrays.make(distinct);
    const valueArray = arrays.make(distinct);
    this.rewrites += fillDistinct(stepArray, valueArray, steps, values, length);
    this.stepArray = stepArray;
    this.valueArray = valueArray;
    this.sharedSteps = false;
    this.madeAtLength = distinct;
    return true;
  }

  /**
   * Pushes the points from `from` on while their steps rise, the step just pushed again (the points of one
   * record each setting its wall time) being `set`'s last-step case inline: the value written once when the
   * step is left, a rewrite counted for each change. Returns where it stopped.
   */
  private pushRun(stepArray: number[], valueArray: number[], steps: Float64Array, values: Float64Array, from: number, length: number): number {
    let previous = steps[from] as number;
    let value = values[from] as number;
    stepArray.push(previous);
    valueArray.push(value);
    let rewrites = 0;
    let rewritten = false;
    let i = from + 1;
    for (; i < length; i++) {
      const step = steps[i] as number;
      if (step > previous) {
        if (rewritten) valueArray[valueArray.length - 1] = value;
        rewritten = false;
        previous = step;
        value = values[i] as number;
        stepArray.push(step);
        valueArray.push(value);
      } else if (step === previous) {
        const next = values[i] as number;
        if (!Object.is(value, next)) {
          value = next;
          rewritten = true;
          rewrites++;
        }
      } else break;
    }
    if (rewritten) valueArray[valueArray.length - 1] = value;
    this.rewrites += rewrites;
    return i;
  }

  /** Whether the first `length` steps rise strictly, the first above the series' last step (any first step when it has none, as `set` takes it). */
  private risesAboveLast(steps: Float64Array, length: number): boolean {
    let previous: number;
    let i = 0;
    if (this.pendingLength !== 0) {
      const chunk = this.pendingSteps[this.pendingSteps.length - 1] as Float64Array;
      previous = chunk[chunk.length - 1] as number;
    } else if (this.stepArray.length !== 0) previous = this.stepArray[this.stepArray.length - 1] as number;
    else {
      previous = steps[0] as number;
      i = 1;
    }
    for (; i < length; i++) {
      const step = steps[i] as number;
      if (!(step > previous)) return false;
      previous = step;
    }
    return true;
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
