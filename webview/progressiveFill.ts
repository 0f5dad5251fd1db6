import type { RunView } from '../src/core/runView';
import type { ChartLine } from './chartData';

/**
 * Runs drawn at the first frame when there are many: Chart.js places and draws every line of a run at each update,
 * and 1,000 runs (4,000 lines) took a second before anything showed. These runs are the ones the user looks at first.
 */
export const FIRST_DRAW_RUNS = 24;
/** Runs added to the charts at each later slice: a slice places only its own lines (the others keep theirs). */
export const FILL_SLICE_RUNS = 250;

/** What decides which runs come first. */
export interface FillPriority {
  readonly focusedRunId: string | null;
  readonly pinnedRunIds: readonly string[];
  /** Runs whose best markers and shaded stretches are drawn: drawn without their lines, they would mark nothing. */
  readonly annotatedRunIds: readonly string[];
}

/**
 * The runs drawn first, in order: the focused run, the pinned ones, the annotated ones, then the most recently written
 * (live runs first) up to `max` in all. Focused, pinned and annotated runs are never left out, even past `max`.
 */
export function priorityRuns(drawn: readonly RunView[], priority: FillPriority, max = FIRST_DRAW_RUNS): string[] {
  const ids = new Set(drawn.map((run) => run.id));
  const chosen = new Set<string>();
  for (const id of [priority.focusedRunId, ...priority.pinnedRunIds, ...priority.annotatedRunIds]) if (id !== null && ids.has(id)) chosen.add(id);
  const recent = [...drawn].sort((a, b) => (b.updatedAt ?? Number.NEGATIVE_INFINITY) - (a.updatedAt ?? Number.NEGATIVE_INFINITY));
  for (const run of recent) {
    if (chosen.size >= max) break;
    chosen.add(run.id);
  }
  return [...chosen];
}

/** A chart's lines at one frame: drawn by Chart.js, drawn on the layer beneath, and still to come. */
export interface FillSplit {
  readonly front: readonly ChartLine[];
  readonly layer: readonly ChartLine[];
  readonly pending: readonly ChartLine[];
}

/**
 * Which runs the charts draw while they fill: the priority runs at once, then the others in slices, in the order of
 * the list. A run once drawn stays drawn (a live update or a snapshot mid-fill redraws it at once); a run that arrives
 * after the fill is complete is drawn at once. Lines that belong to no single run (a group's mean and band) are
 * always drawn: they summarise every member, drawn or not yet.
 *
 * With more runs than FIRST_DRAW_RUNS, only the priority runs (and the runs in focus since) are Chart.js datasets,
 * drawn on top; the others are drawn on a plain layer beneath them (see layerLines.ts). Chart.js resolves options and
 * places points per dataset at each update, which cost a second for 1,000 runs and more again in slices; the layer
 * strokes a path per line.
 */
export class ProgressiveFill {
  private readonly admitted = new Set<string>();
  /** The runs drawn first, then in front for good. */
  private readonly first = new Set<string>();
  /** The runs in focus at the last frame: in front while they stay so (pointing along the run list brings no more). */
  private focus = new Set<string>();
  private complete = false;

  /**
   * Starts (or carries on) the fill for the runs now drawn, `first()` at the start; runs in focus (focused, pinned,
   * annotated) are drawn at once, in front, whenever they become so. True while some runs are still to come.
   */
  admit(drawnRunIds: readonly string[], first: () => readonly string[], inFocus: readonly (string | null)[]): boolean {
    this.focus = new Set(inFocus.filter((id): id is string => id !== null));
    // Nothing to draw yet (no snapshot, or every run hidden): the fill starts with the first runs drawn.
    if (this.complete || drawnRunIds.length === 0) return false;
    if (this.admitted.size === 0) for (const id of drawnRunIds.length <= FIRST_DRAW_RUNS ? drawnRunIds : first()) this.first.add(id);
    for (const id of [...this.first, ...this.focus]) this.admitted.add(id);
    return this.pending(drawnRunIds) > 0 || this.finish();
  }

  /** Admits the next `count` runs not yet drawn, in list order; false once none are left. */
  grow(drawnRunIds: readonly string[], count = FILL_SLICE_RUNS): boolean {
    if (this.complete) return false;
    let added = 0;
    for (const id of drawnRunIds) {
      if (added >= count) break;
      if (this.admitted.has(id)) continue;
      this.admitted.add(id);
      added++;
    }
    return this.pending(drawnRunIds) > 0 || this.finish();
  }

  /** The chart's lines: in front, on the layer (none while the runs are few), and still to come (none once complete). */
  split(lines: readonly ChartLine[], drawnRunIds: ReadonlySet<string>): FillSplit {
    const layered = drawnRunIds.size > FIRST_DRAW_RUNS;
    if (!layered && this.complete) return { front: lines, layer: [], pending: [] };
    const front: ChartLine[] = [];
    const layer: ChartLine[] = [];
    const pending: ChartLine[] = [];
    for (const line of lines) {
      const id = line.runId;
      if (!drawnRunIds.has(id)) front.push(line);
      else if (!this.complete && !this.admitted.has(id)) pending.push(line);
      else if (!layered || this.first.has(id) || this.focus.has(id)) front.push(line);
      else layer.push(line);
    }
    return { front, layer, pending };
  }

  /** How many of the runs are drawn so far. */
  drawnOf(drawnRunIds: readonly string[]): number {
    return this.complete ? drawnRunIds.length : drawnRunIds.length - this.pending(drawnRunIds);
  }

  private pending(drawnRunIds: readonly string[]): number {
    let pending = 0;
    for (const id of drawnRunIds) if (!this.admitted.has(id)) pending++;
    return pending;
  }

  private finish(): false {
    this.complete = true;
    this.admitted.clear();
    return false;
  }
}
