import { smoothDebiased } from '../src/core/analysis/smoothing';
import { downsampleMinMax } from '../src/core/downsample';
import type { Warning } from '../src/core/analysis/warning';
import { percentFactor } from '../src/core/analysis/accuracyMeasure';
import type { RunView, SeriesData } from '../src/core/runView';
import { runMatcher } from './runFilter';
import { groupBand, SPREAD_NAME } from './groupBand';
import { groupRuns, type RunGroup } from './runGroups';
import type { ChartId, UiState } from './uiState';
import { shownXAxis, X_AXIS_LABELS, xMapping, type XAxisMode, type XMapping } from './xAxis';
import { xAt } from '../src/core/xUnit';

/** A range of the x axis (zoomed or whole), in the axis's own units. */
export interface XRange {
  readonly min: number;
  readonly max: number;
}

export interface XY {
  readonly x: number;
  readonly y: number | null;
}

/** One drawn line. Raw lines are drawn faint behind their smoothed line, as TensorBoard does. */
export interface ChartLine {
  readonly runId: string;
  readonly label: string;
  readonly key: string;
  readonly colorIndex: number;
  readonly raw: boolean;
  /** Train loss: dashed while few runs are drawn, only thinner when many are (see MAX_DASHED_RUNS). */
  readonly train: boolean;
  readonly dashed: boolean;
  /** Another run is focused: this one steps back. */
  readonly faded: boolean;
  readonly points: readonly XY[];
  /** A group's mean line: its points are the mean, this the spread around them, index for index. */
  readonly group?: GroupSpread;
}

/** The spread of a group's mean line at each of its points, and how many runs had a value there. */
export interface GroupSpread {
  readonly label: string;
  readonly size: number;
  readonly low: readonly (number | null)[];
  readonly high: readonly (number | null)[];
  readonly count: readonly number[];
}

/** What the annotation layer draws, already on the chart's x axis. */
export type ChartAnnotation =
  | { readonly kind: 'best-gap'; readonly runId: string; readonly colorIndex: number; readonly from: number; readonly to: number; readonly label: string }
  | { readonly kind: 'warning-start'; readonly runId: string; readonly colorIndex: number; readonly x: number; readonly label: string }
  | {
      readonly kind: 'best-loss' | 'best-accuracy';
      readonly runId: string;
      readonly colorIndex: number;
      readonly x: number;
      readonly y: number;
      readonly label: string;
    };

export interface ChartModel {
  readonly loss: readonly ChartLine[];
  readonly accuracy: readonly ChartLine[];
  readonly extra: readonly ChartLine[];
  readonly annotations: Readonly<Record<ChartId, readonly ChartAnnotation[]>>;
  /** Runs drawn; runs shown in the list but without the chosen x axis (no epochs logged) are `unplaced`. */
  readonly drawnRunIds: readonly string[];
  readonly unplacedRunIds: readonly string[];
  readonly trainDashed: boolean;
  /** Runs whose best markers, shaded stretches and warning lines are drawn, and what the page says about it. */
  readonly annotated: AnnotationChoice;
  /** Names the runs not drawn on the chosen axis (null: every run is). */
  readonly unplacedNote: string | null;
  /** How the x axis is titled, ticked and read out: the step axis is `epoch` when every drawn run counts in epochs. */
  readonly xShown: XAxisMode;
  /** On the step axis, names the drawn runs whose x is their epoch beside runs that count steps (null: none are). */
  readonly epochNote: string | null;
  /** What grouping did (null: the user groups nothing): which groups, the spread drawn, how steps were aligned. */
  readonly groupNote: string | null;
  /** The groups drawn as a mean with a band (empty without grouping). */
  readonly groups: readonly RunGroup[];
}

/** Which drawn runs are annotated; `note` says so whenever some drawn run is not (null when every one is). */
export interface AnnotationChoice {
  readonly runIds: readonly string[];
  readonly note: string | null;
}

interface Named {
  readonly id: string;
  readonly label: string;
}

/** Up to five names, then how many more: a note stays one line with a dozen runs. */
function nameList(runs: readonly Named[]): string {
  const shown = runs.slice(0, 5).map((run) => run.label);
  return runs.length > 5 ? `${shown.join(', ')} and ${runs.length - 5} more` : shown.join(', ');
}

/**
 * The runs in focus (focused in the runs table, pointed at in the run list, or pinned) get annotations alone. With
 * none in focus, every drawn run does up to MAX_ANNOTATED_RUNS; past that the first ones in the list do, and the note
 * names them, so that a run added never makes every annotation disappear without a word.
 */
export function chooseAnnotatedRuns(
  drawn: readonly Named[],
  focusedRunId: string | null,
  hoveredRunId: string | null = null,
  pinnedRunIds: readonly string[] = [],
): AnnotationChoice {
  const focused = drawn.find((run) => run.id === focusedRunId);
  // A pinned run pointed at (the pointer is on its pin) is named as pinned: it stays when the pointer leaves.
  const hovered = drawn.find((run) => run.id === hoveredRunId && run.id !== focusedRunId && !pinnedRunIds.includes(run.id));
  const pinned = drawn.filter((run) => pinnedRunIds.includes(run.id) && run.id !== focused?.id);
  const inFocus = [
    ...(focused === undefined ? [] : [`${focused.label} (focused)`]),
    ...(hovered === undefined ? [] : [`${hovered.label} (pointed at)`]),
    ...pinned.map((run) => `${run.label} (pinned)`),
  ];
  if (inFocus.length > 0) {
    const runIds = [focused, hovered, ...pinned].filter((run): run is Named => run !== undefined).map((run) => run.id);
    const hint =
      focused !== undefined
        ? `click the focused row in the runs table again to annotate ${pinned.length > 0 ? 'the pinned runs' : `up to ${MAX_ANNOTATED_RUNS} runs`}`
        : pinned.length > 0
          ? `pin or point at another run to annotate it too; unpin every run to annotate up to ${MAX_ANNOTATED_RUNS}`
          : 'point at another run to annotate it';
    const names = inFocus.length > 6 ? `${inFocus.slice(0, 5).join(', ')} and ${inFocus.length - 5} more` : inFocus.join(', ');
    return { runIds, note: drawn.length > runIds.length ? `Markers and shaded stretches: ${names}; ${hint}.` : null };
  }
  if (drawn.length <= MAX_ANNOTATED_RUNS) return { runIds: drawn.map((run) => run.id), note: null };
  const chosen = drawn.slice(0, MAX_ANNOTATED_RUNS);
  return {
    runIds: chosen.map((run) => run.id),
    note: `Markers and shaded stretches: the first ${MAX_ANNOTATED_RUNS} of ${drawn.length} runs (${nameList(chosen)}); click a run's row in the runs table, point at it in the run list, or pin it, to annotate it alone.`,
  };
}

/** Says which runs on the step axis are drawn at their epoch, as their logs give no step, beside runs drawn at their step. */
export function epochNoteFor(epochRuns: readonly Named[]): string | null {
  if (epochRuns.length === 0) return null;
  const one = epochRuns.length === 1;
  return `${one ? '1 run logs' : `${epochRuns.length} runs log`} no step, only the epoch, and ${one ? 'is' : 'are'} drawn at ${one ? 'its' : 'their'} epoch on this step axis: ${nameList(epochRuns)}. The epoch axis compares ${one ? 'it' : 'them'} with the runs that log epochs.`;
}

/** Says which runs are missing from the chart because they log nothing on the chosen axis. */
export function unplacedNoteFor(unplaced: readonly Named[], axisLabel: string): string | null {
  if (unplaced.length === 0) return null;
  return `${unplaced.length === 1 ? '1 run logs' : `${unplaced.length} runs log`} no ${axisLabel} and ${unplaced.length === 1 ? 'is' : 'are'} not drawn on this axis: ${nameList(unplaced)}.`;
}

/** Series fetched from the host at more detail than the snapshot's, by `detailKey`. */
export type DetailMap = ReadonlyMap<string, SeriesData>;

export function detailKey(runId: string, key: string): string {
  return `${runId}\u0000${key}`;
}

/** Past this many drawn runs, per-run annotations would bury the curves: the first ones get them, and a note says which. */
export const MAX_ANNOTATED_RUNS = 6;

/**
 * Past this many drawn runs a chart is crowded. Dashes over thousands of segments cost more than everything
 * else drawn, so train loss is thin rather than dashed; the faint raw lines, a texture by then, get a
 * quarter of the point budget instead of half.
 */
export const MAX_DASHED_RUNS = 12;

/** A zoomed window at full detail, spliced into the downsampled whole so smoothing still starts at the run's start. */
export function mergeDetail(base: SeriesData, detail: SeriesData | undefined): SeriesData {
  if (detail === undefined || detail.steps.length === 0) return base;
  const first = detail.steps[0] as number;
  const last = detail.steps[detail.steps.length - 1] as number;
  const steps: number[] = [];
  const values: (number | null)[] = [];
  base.steps.forEach((step, i) => {
    if (step < first) {
      steps.push(step);
      values.push(base.values[i] ?? null);
    }
  });
  steps.push(...detail.steps);
  values.push(...detail.values);
  base.steps.forEach((step, i) => {
    if (step > last) {
      steps.push(step);
      values.push(base.values[i] ?? null);
    }
  });
  return { key: base.key, steps, values, total: base.total };
}

/** The chart shows percent: the factor from the run's accuracy scale, decided once for the run by the host. */
export function percentScaleOf(run: RunView): number {
  return run.accuracyMeasure === null ? 100 : percentFactor(run.accuracyMeasure.scale);
}

interface LineSpec {
  readonly run: RunView;
  readonly series: SeriesData | null;
  readonly colorIndex: number;
  readonly train: boolean;
  /** Eval series are not: see linesFor. */
  readonly smoothed: boolean;
  readonly dashed: boolean;
  readonly scale: number;
  readonly faded: boolean;
  readonly crowded: boolean;
}

/** What the drawing can use: more points than pixels are not seen, and points off screen are not drawn. */
export interface DrawBudget {
  readonly maxPointsPerLine: number;
  readonly xWindow: { readonly min: number; readonly max: number } | null;
}

const NO_BUDGET: DrawBudget = { maxPointsPerLine: Number.POSITIVE_INFINITY, xWindow: null };

/**
 * Indices of the points worth drawing: those inside the window (and one beyond each edge, so the line
 * reaches it), thinned min/max per bucket to the budget so that spikes stay visible.
 */
function drawnIndices(xs: readonly (number | null)[], values: readonly number[], budget: DrawBudget): number[] {
  const inWindow: number[] = [];
  const window = budget.xWindow;
  xs.forEach((x, i) => {
    if (x === null) return;
    if (window !== null) {
      const next = xs[i + 1] ?? null;
      const previous = xs[i - 1] ?? null;
      if ((next !== null && next < window.min) || (previous !== null && previous > window.max)) return;
    }
    inWindow.push(i);
  });
  if (inWindow.length <= budget.maxPointsPerLine) return inWindow;
  const kept = downsampleMinMax({ steps: inWindow, values: inWindow.map((i) => values[i] as number) }, budget.maxPointsPerLine);
  return [...kept.steps];
}

function linesFor(spec: LineSpec, mapping: XMapping, ui: UiState, log: boolean, budget: DrawBudget): ChartLine[] {
  const { run, series } = spec;
  if (series === null || series.steps.length === 0) return [];
  const values = series.values.map((value) => (value === null || (log && value <= 0) ? Number.NaN : value * spec.scale));
  const xs = series.steps.map((step) => mapping.toX(step));
  const indices = drawnIndices(xs, values, budget);
  const toPoints = (ys: readonly number[], kept: readonly number[] = indices): XY[] =>
    kept.map((i) => {
      const y = ys[i] as number;
      return { x: xs[i] as number, y: Number.isFinite(y) ? y : null };
    });
  const common = { runId: run.id, key: series.key, colorIndex: spec.colorIndex, train: spec.train, dashed: spec.dashed, faded: spec.faded };
  const name = `${run.label} · ${series.key}`;
  // Eval series are drawn raw at any smoothing: each point is already an average over the whole eval set, and
  // an average across a handful of evals bends the line away from the values the table and best markers quote.
  if (ui.smoothing <= 0 || !spec.smoothed) return [{ ...common, label: name, raw: false, points: toPoints(values) }];
  return [
    // The faint raw line is never dashed: dashes of thousands of short segments cost more than the rest of the chart.
    // The raw line behind is faint and busy: fewer points (min/max kept, so spikes still show) draw it as well.
    {
      ...common,
      label: `${name} (raw)`,
      raw: true,
      dashed: false,
      points: toPoints(values, drawnIndices(xs, values, { ...budget, maxPointsPerLine: budget.maxPointsPerLine / (spec.crowded ? 4 : 2) })),
    },
    { ...common, label: name, raw: false, points: toPoints(smoothDebiased(values, ui.smoothing)) },
  ];
}

/** The step where a warning's condition begins; older warnings carry only the step they are about. */
export function warningStart(warning: Warning): number {
  const start: unknown = (warning as { readonly startStep?: unknown }).startStep;
  return typeof start === 'number' ? start : warning.step;
}

function annotationsFor(run: RunView, colorIndex: number, mapping: XMapping, accuracyScale: number): Record<ChartId, ChartAnnotation[]> {
  const both: ChartAnnotation[] = [];
  const loss: ChartAnnotation[] = [];
  const accuracy: ChartAnnotation[] = [];
  const { byLoss, byAccuracy } = run.best;
  if (byLoss !== null && byAccuracy !== null) {
    const lossX = mapping.toX(byLoss.step);
    const accuracyX = mapping.toX(byAccuracy.step);
    if (lossX !== null && accuracyX !== null) {
      if (byLoss.step !== byAccuracy.step) {
        both.push({
          kind: 'best-gap',
          runId: run.id,
          colorIndex,
          from: Math.min(lossX, accuracyX),
          to: Math.max(lossX, accuracyX),
          label: `best: loss ${byLoss.step} · accuracy ${byAccuracy.step}`,
        });
      }
      loss.push({ kind: 'best-loss', runId: run.id, colorIndex, x: lossX, y: byLoss.loss, label: `best loss, ${xAt(run.xUnit, byLoss.step)}` });
      accuracy.push({
        kind: 'best-accuracy',
        runId: run.id,
        colorIndex,
        x: accuracyX,
        y: byAccuracy.accuracy * accuracyScale,
        label: `best accuracy, ${xAt(run.xUnit, byAccuracy.step)}`,
      });
    }
  }
  // Warnings of a run that begin at the same step share one marker, their names joined.
  const byStart = new Map<number, string[]>();
  for (const warning of run.warnings) {
    const start = warningStart(warning);
    const name = warning.kind.replace(/-/g, ' ');
    const names = byStart.get(start) ?? [];
    if (!names.includes(name)) names.push(name);
    byStart.set(start, names);
  }
  for (const [start, names] of byStart) {
    const x = mapping.toX(start);
    if (x !== null) both.push({ kind: 'warning-start', runId: run.id, colorIndex, x, label: `⚠ ${names.join(', ')}` });
  }
  return { loss: [...both, ...loss], accuracy: [...both, ...accuracy], extra: both };
}

/**
 * Lines already shaped, per run view: a live update replaces only the runs that changed (the others keep
 * their objects), so only those are smoothed and thinned again. An entry holds while the settings it was
 * shaped with and the fetched series it used are the same.
 */
export type LineCache = WeakMap<
  RunView,
  { readonly signature: string; readonly deps: readonly (SeriesData | undefined)[]; readonly lines: Record<ChartId, ChartLine[]> }
>;

/** Runs the list shows: those the filter matches (hidden ones included, so they can be shown again). */
export function listedRuns(runs: readonly RunView[], filter: string): RunView[] {
  const matcher = runMatcher(filter);
  return runs.filter((run) => matcher.matches(run.label));
}

/**
 * Shapes runs into what the charts draw: the runs the filter matches and the user has not hidden, on the
 * chosen x axis, with detail spliced in where the host sent it. Colours come from `colors`, fixed per run.
 */
export function buildChartModel(
  runs: readonly RunView[],
  ui: UiState,
  colors: Readonly<Record<string, number>>,
  extras: ReadonlyMap<string, SeriesData> = new Map(),
  detail: DetailMap = new Map(),
  budget: DrawBudget = NO_BUDGET,
  cache?: LineCache,
  hoveredRunId: string | null = null,
): ChartModel {
  const lines: Record<ChartId, ChartLine[]> = { loss: [], accuracy: [], extra: [] };
  const annotations: Record<ChartId, ChartAnnotation[]> = { loss: [], accuracy: [], extra: [] };
  const drawn = listedRuns(runs, ui.filter).filter((run) => !ui.hiddenRunIds.includes(run.id));
  const focused = drawn.some((run) => run.id === ui.focusedRunId) ? ui.focusedRunId : null;
  const trainDashed = drawn.length <= MAX_DASHED_RUNS;
  const drawnRunIds: string[] = [];
  const unplacedRunIds: string[] = [];
  const mappings = new Map(drawn.map((run) => [run.id, xMapping(run, ui.xAxis)]));
  const placed = drawn.filter((run) => mappings.get(run.id) !== null);
  const grouping = ui.groupOver === null ? null : groupRuns(placed, ui.groupOver);
  const groupOf = new Map(grouping?.groups.flatMap((group) => group.runIds.map((id) => [id, group] as const)));
  const members = new Map<string, { readonly colorIndex: number; readonly lines: Record<ChartId, ChartLine[]> }[]>();
  // A run inside a group's mean is drawn (and annotated) on its own too only while in focus: focused, pointed at or pinned.
  const inFocus = (id: string): boolean => id === focused || id === hoveredRunId || ui.pinnedRunIds.includes(id);
  const annotated = chooseAnnotatedRuns(
    placed.filter((run) => !groupOf.has(run.id) || inFocus(run.id)),
    focused,
    hoveredRunId,
    ui.pinnedRunIds,
  );
  const annotatedIds = new Set(annotated.runIds);
  for (const run of drawn) {
    const mapping = mappings.get(run.id) ?? null;
    if (mapping === null) {
      unplacedRunIds.push(run.id);
      continue;
    }
    drawnRunIds.push(run.id);
    const colorIndex = colors[run.id] ?? 0;
    const faded = focused !== null && run.id !== focused;
    const extra = extras.get(run.id);
    const details = [run.evalLoss, run.trainLoss, run.evalAccuracy, extra ?? null].map((series) =>
      series === null ? undefined : detail.get(detailKey(run.id, series.key)),
    );
    const signature = JSON.stringify([
      ui.smoothing,
      ui.xAxis,
      ui.logScale,
      ui.showEvalLoss,
      ui.showTrainLoss,
      ui.showAccuracy,
      ui.extraKey,
      colorIndex,
      faded,
      trainDashed,
      budget.maxPointsPerLine,
      budget.xWindow,
    ]);
    const deps = [extra, ...details];
    const cached = cache?.get(run);
    let forRun = cached !== undefined && cached.signature === signature && cached.deps.every((dep, i) => dep === deps[i]) ? cached.lines : undefined;
    if (forRun === undefined) {
      const withDetail = (series: SeriesData | null, i: number): SeriesData | null => (series === null ? null : mergeDetail(series, details[i]));
      const spec = (series: SeriesData | null, i: number, train: boolean, scale: number, smoothed = train): LineSpec => ({
        run,
        series: withDetail(series, i),
        colorIndex,
        train,
        smoothed,
        dashed: train && trainDashed,
        scale,
        faded,
        crowded: !trainDashed,
      });
      const accuracyScale = percentScaleOf(run);
      forRun = { loss: [], accuracy: [], extra: [] };
      if (ui.showEvalLoss) forRun.loss.push(...linesFor(spec(run.evalLoss, 0, false, 1), mapping, ui, ui.logScale.includes('loss'), budget));
      if (ui.showTrainLoss) forRun.loss.push(...linesFor(spec(run.trainLoss, 1, true, 1), mapping, ui, ui.logScale.includes('loss'), budget));
      if (ui.showAccuracy)
        forRun.accuracy.push(...linesFor(spec(run.evalAccuracy, 2, false, accuracyScale), mapping, ui, ui.logScale.includes('accuracy'), budget));
      if (ui.extraKey !== null && extra !== undefined && extra.key === ui.extraKey)
        // Another logged key is as often a per-step train metric (grad_norm, learning rate): smoothed as asked.
        forRun.extra.push(...linesFor(spec(extra, 3, false, 1, true), mapping, ui, ui.logScale.includes('extra'), budget));
      cache?.set(run, { signature, deps, lines: forRun });
    }
    const group = groupOf.get(run.id);
    if (group !== undefined) {
      members.set(group.id, [...(members.get(group.id) ?? []), { colorIndex, lines: forRun }]);
      if (!inFocus(run.id)) continue;
    }
    for (const chart of ['loss', 'accuracy', 'extra'] as const) lines[chart].push(...forRun[chart]);
    if (annotatedIds.has(run.id)) {
      const accuracyScale = percentScaleOf(run);
      const marks = annotationsFor(run, colorIndex, mapping, accuracyScale);
      for (const chart of ['loss', 'accuracy', 'extra'] as const) annotations[chart].push(...marks[chart]);
    }
  }
  for (const group of grouping?.groups ?? []) {
    const faded = focused !== null && !group.runIds.includes(focused);
    const groupLines = meanLines(group, members.get(group.id) ?? [], faded, budget.maxPointsPerLine);
    for (const chart of ['loss', 'accuracy', 'extra'] as const) lines[chart].push(...groupLines[chart]);
  }
  const shown = shownXAxis(
    ui.xAxis,
    drawn.filter((run) => drawnRunIds.includes(run.id)),
  );
  return {
    ...lines,
    annotations,
    drawnRunIds,
    unplacedRunIds,
    trainDashed,
    annotated,
    unplacedNote: unplacedNoteFor(
      drawn.filter((run) => unplacedRunIds.includes(run.id)),
      X_AXIS_LABELS[ui.xAxis],
    ),
    xShown: shown.mode,
    epochNote: epochNoteFor(shown.epochRuns),
    groupNote: grouping?.note ?? null,
    groups: grouping?.groups ?? [],
  };
}

/**
 * A group's lines: per chart, one mean line for its eval series and one for its train series, each with the
 * spread of its members' drawn (smoothed where theirs are) lines. The group takes its first run's colour.
 */
function meanLines(
  group: RunGroup,
  members: readonly { readonly colorIndex: number; readonly lines: Record<ChartId, ChartLine[]> }[],
  faded: boolean,
  maxPoints: number,
): Record<ChartId, ChartLine[]> {
  const result: Record<ChartId, ChartLine[]> = { loss: [], accuracy: [], extra: [] };
  const colorIndex = members[0]?.colorIndex ?? 0;
  for (const chart of ['loss', 'accuracy', 'extra'] as const) {
    for (const train of [false, true]) {
      const drawn = members.flatMap((member) => member.lines[chart].filter((line) => !line.raw && line.train === train));
      if (drawn.length === 0) continue;
      const band = groupBand(drawn, maxPoints);
      const key = [...new Set(drawn.map((line) => line.key))].join(' / ');
      const size = group.runIds.length;
      result[chart].push({
        runId: group.id,
        label: `${group.label} · mean of ${size} runs (band ${SPREAD_NAME}) · ${key}`,
        key,
        colorIndex,
        raw: false,
        train,
        dashed: drawn[0]?.dashed ?? false,
        faded,
        points: band.xs.map((x, i) => ({ x, y: band.mean[i] ?? null })),
        group: { label: group.label, size, low: band.low, high: band.high, count: band.count },
      });
    }
  }
  return result;
}

/** Finite points drawn, counting each series once (its smoothed line), for tests and the screen reader summary. */
export function pointCount(lines: readonly ChartLine[]): number {
  return lines.filter((line) => !line.raw).reduce((sum, line) => sum + line.points.filter((point) => point.y !== null).length, 0);
}

/** The x extent of what is drawn, so that both charts share one axis. */
export function xExtent(lines: readonly ChartLine[]): { min: number; max: number } | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    const first = line.points[0];
    const last = line.points[line.points.length - 1];
    if (first !== undefined) min = Math.min(min, first.x);
    if (last !== undefined) max = Math.max(max, last.x);
  }
  return min <= max ? { min, max: max === min ? min + 1 : max } : undefined;
}

export interface ValueAt {
  readonly runId: string;
  readonly label: string;
  readonly colorIndex: number;
  readonly x: number;
  readonly y: number;
  /** For a group's mean: the band there and how many of the group's runs had a value at that point. */
  readonly spread?: { readonly low: number; readonly high: number; readonly count: number; readonly size: number };
}

/**
 * For the crosshair: each visible (smoothed) line's value at the point nearest to `x`, found by binary
 * search, provided that point is within `tolerance` of `x` (a run that ended earlier shows nothing).
 */
export function valuesAt(lines: readonly ChartLine[], x: number, tolerance: number): ValueAt[] {
  const found: ValueAt[] = [];
  for (const line of lines) {
    if (line.raw || line.points.length === 0) continue;
    let low = 0;
    let high = line.points.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if ((line.points[middle] as XY).x <= x) low = middle;
      else high = middle;
    }
    const a = line.points[low] as XY;
    const b = line.points[high] as XY;
    const index = Math.abs(a.x - x) <= Math.abs(b.x - x) ? low : high;
    const nearest = line.points[index] as XY;
    if (nearest.y === null || Math.abs(nearest.x - x) > tolerance) continue;
    const value = { runId: line.runId, label: line.label, colorIndex: line.colorIndex, x: nearest.x, y: nearest.y };
    const group = line.group;
    const lowAt = group?.low[index];
    const highAt = group?.high[index];
    if (group === undefined || lowAt == null || highAt == null) found.push(value);
    else found.push({ ...value, spread: { low: lowAt, high: highAt, count: group.count[index] ?? 0, size: group.size } });
  }
  return found;
}
