import type { FormatId, MetricPoint, Series } from './types';
import { mergeSorted, PackedArrays, SortedSeries } from './sortedSeries';
import { PointColumns, type PointBatch } from './pointColumns';
import { StepGrids } from './stepGrids';
import { ownString } from './ownString';

export interface RunSource {
  readonly path: string;
  readonly format: FormatId;
  /**
   * Its values are rounded copies of numbers another source holds exactly (TensorBoard's float32 of a
   * trainer_state.json value): on a (key, step) both hold, any exact source wins, however fresh this one is.
   */
  readonly approximate?: boolean;
}

/** Where each logged step sits in epochs and in wall-clock time, for x axes other than the step. */
export interface RunAxes {
  readonly epoch: Series;
  readonly wallTime: Series;
}

/**
 * How a metric held by one source alone is kept: the array of its steps (shared with the snapshot's series)
 * and how many of its writes were not appends. While both stay the same, a later snapshot's series is this
 * one with points appended, and a pass over it can resume where it stopped.
 */
export interface SeriesGrowth {
  readonly steps: readonly number[];
  readonly rewrites: number;
}

/** A run as it stands; valid until the store's next write (series may be shared with the store, not copied). */
export interface RunSnapshot {
  readonly id: string;
  readonly sources: readonly RunSource[];
  readonly metrics: ReadonlyMap<string, Series>;
  readonly axes?: RunAxes;
  /** Per metric held by one source alone; a metric merged from several sources is not here (it is rebuilt on every write). */
  readonly growth?: ReadonlyMap<string, SeriesGrowth>;
}

interface SourceAxes {
  readonly epoch: SortedSeries;
  readonly wallTime: SortedSeries;
}

interface SourceState {
  readonly format: FormatId;
  readonly approximate: boolean;
  series: Map<string, SortedSeries>;
  axes: SourceAxes;
  /** Bumped on every write, so that when sources disagree on a step the freshest one wins. */
  revision: number;
}

interface RunState {
  readonly sources: Map<string, SourceState>;
  merged: Map<string, Series> | undefined;
  growth: Map<string, SeriesGrowth> | undefined;
  mergedAxes: RunAxes | undefined;
}

function newAxes(): SourceAxes {
  return { epoch: new SortedSeries(), wallTime: new SortedSeries() };
}

/** Records where a point's step sits in time; points of one record share a step, so most calls change nothing. */
function setAxes(axes: SourceAxes, point: MetricPoint): boolean {
  let changed = false;
  if (point.epoch !== undefined && axes.epoch.set(point.step, point.epoch)) changed = true;
  if (point.wallTime !== undefined && axes.wallTime.set(point.step, point.wallTime)) changed = true;
  return changed;
}

/** Writes a batch into the source's series and axes, point by point or column by column; returns whether anything changed. */
function writePoints(state: SourceState, points: PointBatch, arrays: PackedArrays): boolean {
  if (points instanceof PointColumns) return writeColumns(state, points, arrays);
  let changed = false;
  for (const point of points) {
    let series = state.series.get(point.key);
    if (series === undefined) state.series.set(ownString(point.key), (series = new SortedSeries()));
    if (series.set(point.step, point.value)) changed = true;
    if ((point.epoch !== undefined || point.wallTime !== undefined) && setAxes(state.axes, point)) changed = true;
  }
  return changed;
}

/**
 * The same writes as `writePoints` on the batch's points: a key's points keep their order within the key,
 * and the axes get every epoch and wall time in the order read, so the store ends as it would point by point.
 */
function writeColumns(state: SourceState, batch: PointColumns, arrays: PackedArrays): boolean {
  let changed = false;
  for (const column of batch.columns) {
    let series = state.series.get(column.key);
    if (series === undefined) state.series.set(ownString(column.key), (series = new SortedSeries()));
    if (series.setAll(column.steps, column.values, column.steps.length, arrays)) changed = true;
  }
  if (!batch.hasAxes) return changed;
  return batch.writeAxes(state.axes.epoch, state.axes.wallTime, arrays) || changed;
}

/**
 * Every series of the source sheds its arrays' spare room where it grew enough (see SortedSeries.fit), and each
 * series so copied takes the steps array of an equal grid held already, where there is one: only then, so that
 * a followed log's series change arrays no more often than fitting makes them (a series shared copies its
 * steps again at its next write, and a kept pass over it starts over).
 */
function fitSource(state: SourceState, settled: boolean, grids: StepGrids, arrays: PackedArrays): boolean {
  let copied = false;
  for (const series of [...state.series.values(), state.axes.epoch, state.axes.wallTime]) {
    if (!series.fit(settled, arrays)) continue;
    copied = true;
    grids.share(series);
  }
  arrays.endPass();
  return copied;
}

/**
 * Holds every point read so far, per run and per source file. Sources of one run (a trainer_state.json
 * and the states in its checkpoints, or a JSONL log beside them) merge by (key, step), so a point that
 * two files hold is counted once.
 */
export class RunStore {
  private readonly runs = new Map<string, RunState>();
  private readonly grids = new StepGrids();
  private readonly arrays = new PackedArrays();
  private revision = 0;

  /**
   * Adds points from a source (objects, or columns of the same points); returns whether anything changed.
   * Columns are a chunk of a read that ends with `settle`, which fits the arrays once: fitted after every
   * chunk too, a backlog's series were copied about four times over (a third of the store's time on a
   * 1,000,000-point event file).
   */
  addPoints(runId: string, source: RunSource, points: PointBatch): boolean {
    const state = this.sourceState(runId, source);
    const changed = writePoints(state, points, this.arrays);
    if (changed) {
      if (!(points instanceof PointColumns)) fitSource(state, false, this.grids, this.arrays);
      this.touch(runId, state);
    }
    return changed;
  }

  /**
   * Replaces everything a source said (a file that is rewritten whole, or restarted from scratch). Points
   * of the old content that the new one lacks are dropped only from this source: other sources keep theirs.
   */
  replaceSource(runId: string, source: RunSource, points: PointBatch): boolean {
    const state = this.sourceState(runId, source);
    const before = state.series;
    const axesBefore = state.axes;
    state.series = new Map();
    state.axes = newAxes();
    writePoints(state, points, this.arrays);
    fitSource(state, false, this.grids, this.arrays);
    const axesChanged = !state.axes.epoch.equals(axesBefore.epoch) || !state.axes.wallTime.equals(axesBefore.wallTime);
    const changed =
      axesChanged ||
      before.size !== state.series.size ||
      [...state.series].some(([key, series]) => !series.equals(before.get(key) ?? { steps: [], values: [] }));
    if (changed) this.touch(runId, state);
    return changed;
  }

  /** Registers a source even before it yields points, so that a run appears as soon as its log does. */
  private sourceState(runId: string, source: RunSource): SourceState {
    let run = this.runs.get(runId);
    if (run === undefined) this.runs.set(runId, (run = { sources: new Map(), merged: undefined, growth: undefined, mergedAxes: undefined }));
    let state = run.sources.get(source.path);
    if (state === undefined)
      run.sources.set(
        source.path,
        (state = { format: source.format, approximate: source.approximate === true, series: new Map(), axes: newAxes(), revision: 0 }),
      );
    return state;
  }

  private touch(runId: string, state: SourceState): void {
    state.revision = ++this.revision;
    const run = this.runs.get(runId);
    if (run !== undefined) {
      run.merged = undefined;
      run.growth = undefined;
      run.mergedAxes = undefined;
    }
  }

  /**
   * A read of the run's files is complete: arrays that grew since they were last fitted shed their spare
   * room, and steps equal to a grid held already (another metric's, another run's) become that array. The
   * points stay the same; a snapshot taken before holds the old arrays, so the next is built anew.
   */
  settle(runId: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    let copied = false;
    for (const state of run.sources.values()) copied = fitSource(state, true, this.grids, this.arrays) || copied;
    if (!copied) return;
    run.merged = undefined;
    run.growth = undefined;
    run.mergedAxes = undefined;
  }

  /** Forgets a source (a file that turned out to belong to another run); a run left with no source is gone. */
  removeSource(runId: string, path: string): boolean {
    const run = this.runs.get(runId);
    if (run === undefined || !run.sources.delete(path)) return false;
    if (run.sources.size === 0) this.runs.delete(runId);
    else {
      run.merged = undefined;
      run.growth = undefined;
      run.mergedAxes = undefined;
    }
    return true;
  }

  runIds(): string[] {
    return [...this.runs.keys()].sort();
  }

  snapshot(runId: string): RunSnapshot | undefined {
    const run = this.runs.get(runId);
    if (run === undefined) return undefined;
    run.merged ??= mergeSources(run.sources);
    run.growth ??= growthOf(run.sources);
    run.mergedAxes ??= mergeAxes(run.sources);
    const sources = [...run.sources.entries()].map(([path, state]) => ({ path, format: state.format })).sort((a, b) => a.path.localeCompare(b.path));
    return { id: runId, sources, metrics: run.merged, axes: run.mergedAxes, growth: run.growth };
  }

  snapshots(): RunSnapshot[] {
    return this.runIds().flatMap((id) => this.snapshot(id) ?? []);
  }
}

/** Later wins: exact sources after approximate ones, then the freshest last. */
function byPrecedence(a: SourceState, b: SourceState): number {
  return Number(b.approximate) - Number(a.approximate) || a.revision - b.revision;
}

function mergeAxes(sources: Map<string, SourceState>): RunAxes {
  const ordered = [...sources.values()].sort(byPrecedence);
  const layers = (pick: (axes: SourceAxes) => Series): Series[] => ordered.map((source) => pick(source.axes)).filter((series) => series.steps.length > 0);
  return { epoch: mergeSorted(layers((axes) => axes.epoch)), wallTime: mergeSorted(layers((axes) => axes.wallTime)) };
}

/** Sources in the order they were last written, so the freshest wins where two disagree on a step. */
function mergeSources(sources: Map<string, SourceState>): Map<string, Series> {
  const ordered = [...sources.values()].sort(byPrecedence);
  const layersByKey = new Map<string, Series[]>();
  for (const source of ordered) {
    for (const [key, series] of source.series) {
      if (series.steps.length === 0) continue;
      const layers = layersByKey.get(key);
      if (layers === undefined) layersByKey.set(key, [series]);
      else layers.push(series);
    }
  }
  const result = new Map<string, Series>();
  for (const key of [...layersByKey.keys()].sort()) result.set(key, mergeSorted(layersByKey.get(key) ?? []));
  return result;
}

/** The metrics that one source alone holds points of: their snapshot series share that source's arrays. */
function growthOf(sources: Map<string, SourceState>): Map<string, SeriesGrowth> {
  const holders = new Map<string, SortedSeries[]>();
  for (const source of sources.values()) {
    for (const [key, series] of source.series) {
      if (series.steps.length === 0) continue;
      const found = holders.get(key);
      if (found === undefined) holders.set(key, [series]);
      else found.push(series);
    }
  }
  const growth = new Map<string, SeriesGrowth>();
  for (const [key, [only, ...others]] of holders)
    if (only !== undefined && others.length === 0) growth.set(key, { steps: only.steps, rewrites: only.rewrites });
  return growth;
}
