import type { XRange } from './chartData';
import { restoreSort, type TableSort } from './runsSort';
import type { XAxisMode } from './xAxis';

export type ChartId = 'loss' | 'accuracy' | 'extra';

/** What the webview owns and persists with setState: the user's intent, never the data. */
export interface UiState {
  readonly smoothing: number;
  readonly hiddenRunIds: readonly string[];
  readonly showTrainLoss: boolean;
  readonly showEvalLoss: boolean;
  readonly showAccuracy: boolean;
  /** A run-list filter (a regular expression, or plain text while it is not a valid one). */
  readonly filter: string;
  readonly xAxis: XAxisMode;
  readonly logScale: readonly ChartId[];
  /** Any other logged key, drawn in a third chart (learning rate, grad norm, perplexity…). */
  readonly extraKey: string | null;
  /** Palette slot per run, kept so that a run's colour never changes. */
  readonly colors: Readonly<Record<string, number>>;
  readonly focusedRunId: string | null;
  /** The zoom window on the x axis in use (null: the whole run); reset whenever the axis changes. */
  readonly xRange: XRange | null;
  /** The runs table's sort; null keeps the host's order. */
  readonly tableSort: TableSort | null;
  /** Parameter columns the user added, and those the user removed from the default (differing) ones. */
  readonly shownParams: readonly string[];
  readonly hiddenParams: readonly string[];
  /** The parameter runs are grouped over (seed: runs equal in everything else drawn as one mean with a band); null: none. */
  readonly groupOver: string | null;
  /** Runs whose markers, shaded stretches and warning lines show besides the focused or pointed-at one. */
  readonly pinnedRunIds: readonly string[];
}

export function defaultUiState(smoothing: number): UiState {
  return {
    smoothing,
    hiddenRunIds: [],
    showTrainLoss: true,
    showEvalLoss: true,
    showAccuracy: true,
    filter: '',
    xAxis: 'step',
    logScale: [],
    extraKey: null,
    colors: {},
    focusedRunId: null,
    xRange: null,
    tableSort: null,
    shownParams: [],
    hiddenParams: [],
    groupOver: null,
    pinnedRunIds: [],
  };
}

const X_AXES: readonly XAxisMode[] = ['step', 'epoch', 'relative', 'wall'];
const CHARTS: readonly ChartId[] = ['loss', 'accuracy', 'extra'];

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function range(value: unknown): XRange | null {
  if (typeof value !== 'object' || value === null) return null;
  const { min, max } = value as Record<string, unknown>;
  return typeof min === 'number' && typeof max === 'number' && Number.isFinite(min) && Number.isFinite(max) && min < max ? { min, max } : null;
}

/** State restored after a reload is checked like any other input: a stale or foreign shape falls back to defaults. */
export function restoreUiState(saved: unknown, smoothing: number): UiState {
  const fallback = defaultUiState(smoothing);
  if (typeof saved !== 'object' || saved === null) return fallback;
  const state = saved as Record<string, unknown>;
  const savedSmoothing = state['smoothing'];
  const xAxis = X_AXES.find((mode) => mode === state['xAxis']);
  const colors: Record<string, number> = {};
  const savedColors = state['colors'];
  if (typeof savedColors === 'object' && savedColors !== null) {
    for (const [id, slot] of Object.entries(savedColors)) if (typeof slot === 'number' && Number.isInteger(slot) && slot >= 0) colors[id] = slot;
  }
  return {
    smoothing: typeof savedSmoothing === 'number' && savedSmoothing >= 0 && savedSmoothing < 1 ? savedSmoothing : fallback.smoothing,
    hiddenRunIds: strings(state['hiddenRunIds']),
    showTrainLoss: bool(state['showTrainLoss'], true),
    showEvalLoss: bool(state['showEvalLoss'], true),
    showAccuracy: bool(state['showAccuracy'], true),
    filter: typeof state['filter'] === 'string' ? state['filter'] : '',
    xAxis: xAxis ?? 'step',
    logScale: strings(state['logScale']).filter((id): id is ChartId => (CHARTS as readonly string[]).includes(id)),
    extraKey: typeof state['extraKey'] === 'string' ? state['extraKey'] : null,
    colors,
    focusedRunId: typeof state['focusedRunId'] === 'string' ? state['focusedRunId'] : null,
    // A window is in its axis's units: when the saved axis is unknown (steps are used instead), it means nothing.
    xRange: xAxis === undefined ? null : range(state['xRange']),
    tableSort: restoreSort(state['tableSort']),
    shownParams: strings(state['shownParams']),
    hiddenParams: strings(state['hiddenParams']),
    groupOver: typeof state['groupOver'] === 'string' && state['groupOver'] !== '' ? state['groupOver'] : null,
    pinnedRunIds: strings(state['pinnedRunIds']),
  };
}
