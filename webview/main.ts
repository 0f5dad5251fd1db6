import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { HostMessage, Problem, RunView, WebviewMessage } from '../src/protocol';
import { buildChartModel, valuesAt, xExtent, type ChartLine, type ChartModel, type LineCache, type XRange } from './chartData';
import { CHART_TITLES, ChartFigure } from './chartFigure';
import { controlBar } from './controls';
import { renderCrosshairTip } from './crosshairTip';
import { CalibrationSection } from './calibration';
import { TokensSection } from './tokens';
import { el } from './dom';
import { tipPosition } from './labelLayout';
import { emptyState } from './emptyState';
import { visibleCsv } from './exportCsv';
import { assignColors } from './runColors';
import { runMatcher } from './runFilter';
import { setText } from './keyedList';
import { RunList } from './runList';
import { applyRunsUpdate } from './runsUpdate';
import { SeriesFetcher } from './seriesFetcher';
import { ProblemsList } from './problemsList';
import type { RunAliases } from '../src/core/runAliases';
import { withDisplayLabels } from '../src/core/runLabel';
import { parameterColumns } from './paramColumns';
import { BAND_LEGEND } from './runGroups';
import { runRows, RunsTable, type TableEvents } from './runsTable';
import { renderDefinitions } from './summary';
import { WarningsList } from './warningsList';
import { onThemeChange, PALETTE_SIZE, readThemeColors } from './theme';
import { RenderScheduler } from './renderScheduler';
import { FIRST_DRAW_RUNS, priorityRuns, ProgressiveFill } from './progressiveFill';
import { restoreUiState, type ChartId, type UiState } from './uiState';
import { formatX, X_AXIS_LABELS } from './xAxis';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const initialSmoothing = Number(document.body.dataset['smoothing'] ?? '0.6');
let ui = restoreUiState(vscode.getState(), initialSmoothing);
let runs: RunView[] = [];
/** The names the user gave runs, from the host's last snapshot; applied to every run as it arrives (else long MLflow ids are shortened). */
let aliases: RunAliases = {};
let problems: readonly Problem[] = [];
let theme = readThemeColors();
let colors: Record<string, number> = { ...ui.colors };
let model: ChartModel = buildChartModel([], ui, colors);
let crosshair: number | null = null;
/** Host clock minus ours: live and idle are judged on the host's clock, where the files are. */
let hostOffset = 0;
const fetcher = new SeriesFetcher((message) => vscode.postMessage(message));
const lineCache: LineCache = new WeakMap();
const scheduler = new RenderScheduler(render);
/** With many runs the charts draw the ones that matter first, the others in slices after (see ProgressiveFill). */
const fill = new ProgressiveFill();
let fillPending = false;
/** The run whose entry the pointer is over: annotated with the focused one, never saved. */
let hoveredRunId: string | null = null;

function setUi(next: UiState, render = true): void {
  ui = next;
  vscode.setState(ui);
  if (render) scheduler.soon();
}

const tableEvents: TableEvents = {
  onFocus: (runId) => {
    setUi({ ...ui, focusedRunId: runId });
    // The status bar follows a run the user focuses here; unfocusing leaves it where it is.
    if (runId !== null) vscode.postMessage({ type: 'focusRun', runId });
  },
  onRevealFolder: (runId) => vscode.postMessage({ type: 'revealSource', runId }),
  onOpenLog: (runId, path, step) => vscode.postMessage({ type: 'openLog', runId, path, step }),
  onFindCode: (runId) => vscode.postMessage({ type: 'findLossTrustingCode', runId }),
};

const runList = new RunList(ui.filter, {
  onFilter: (filter) => setUi({ ...ui, filter }),
  onVisibility: (runIds, visible) => {
    const hidden = new Set(ui.hiddenRunIds);
    for (const id of runIds) {
      if (visible) hidden.delete(id);
      else hidden.add(id);
    }
    setUi({ ...ui, hiddenRunIds: [...hidden] });
  },
  onHover: (runId) => {
    hoveredRunId = runId;
    scheduler.soon();
  },
  onPin: (runId, pinned) =>
    setUi({ ...ui, pinnedRunIds: pinned ? [...ui.pinnedRunIds.filter((id) => id !== runId), runId] : ui.pinnedRunIds.filter((id) => id !== runId) }),
});

const controls = controlBar(ui, {
  onUi: (change) => setUi({ ...ui, ...change }),
  onAxis: (mode) => {
    setUi({ ...ui, xAxis: mode });
    setRange(null);
  },
  onExtraKey: (key) => {
    setUi({ ...ui, extraKey: key });
    fetcher.requestExtras(runs, key);
  },
  onZoom: (factor) => zoomBy(factor),
  onResetZoom: () => setRange(null),
  onExportCsv: () => exportCsv(),
});

const CHART_IDS: readonly ChartId[] = ['loss', 'accuracy', 'extra'];
const lossNote = el('span', { class: 'note', id: 'loss-note' }, 'solid: eval, dashed: train');

function chartFigure(id: ChartId): ChartFigure {
  return new ChartFigure(
    id,
    ui.logScale.includes(id),
    theme,
    {
      onLogScale: (log) => setUi({ ...ui, logScale: log ? [...ui.logScale, id] : ui.logScale.filter((chart) => chart !== id) }),
      onPng: (data) =>
        vscode.postMessage({
          type: 'export',
          format: 'png',
          fileName: `${id === 'extra' ? (ui.extraKey ?? 'metric').replace(/[^\w.-]/g, '_') : id}.png`,
          data,
        }),
      onRange: (range) => setRange(range),
      onHover: (x) => setCrosshair(x),
      onPan: (fraction) => panBy(fraction),
      onZoom: (factor) => zoomBy(factor),
    },
    id === 'loss' ? lossNote : null,
  );
}

const charts: Record<ChartId, ChartFigure> = { loss: chartFigure('loss'), accuracy: chartFigure('accuracy'), extra: chartFigure('extra') };
charts.extra.element.hidden = ui.extraKey === null;
const warningList = new WarningsList(tableEvents);
const definition = el('p', { id: 'definitions', class: 'note' });
const unplaced = el('p', { id: 'unplaced', class: 'note', hidden: '' });
const annotatedNote = el('p', { id: 'annotated-runs', class: 'note', hidden: '' });
// Said while the charts fill in with many runs, and gone once every run is drawn.
const fillNote = el('p', { id: 'fill-note', class: 'note', 'aria-live': 'polite', hidden: '' });
const bandLegend = el('p', { id: 'band-legend', class: 'note', hidden: '' }, BAND_LEGEND);
const summaryTable = new RunsTable(tableEvents, {
  onSort: (tableSort) => setUi({ ...ui, tableSort }),
  onParamColumn: (name, shown) =>
    setUi({
      ...ui,
      shownParams: shown ? [...ui.shownParams.filter((other) => other !== name), name] : ui.shownParams.filter((other) => other !== name),
      hiddenParams: shown ? ui.hiddenParams.filter((other) => other !== name) : [...ui.hiddenParams.filter((other) => other !== name), name],
    }),
  onRename: (runId, alias) => vscode.postMessage({ type: 'renameRun', runId, alias }),
  onGroupOver: (groupOver) => setUi({ ...ui, groupOver }),
});
const problemList = new ProblemsList();
const empty = emptyState(() => vscode.postMessage({ type: 'addDumpHelper' }));
const calibration = new CalibrationSection((message) => vscode.postMessage(message), theme);
const tokens = new TokensSection((message) => vscode.postMessage(message));
const content = el(
  'div',
  { class: 'content' },
  fillNote,
  unplaced,
  annotatedNote,
  bandLegend,
  el(
    'section',
    { class: 'charts', 'aria-label': 'Charts: drag to zoom, shift-drag to pan, double-click to reset' },
    ...CHART_IDS.map((id) => charts[id].element),
  ),
  definition,
  summaryTable.element,
  warningList.element,
  calibration.element,
  tokens.element,
  problemList.element,
);
const layout = el('div', { class: 'layout' }, runList.element, content);
document.getElementById('app')?.append(controls.element, empty, layout);

function allLines(): ChartLine[] {
  return [...model.loss, ...model.accuracy, ...model.extra];
}

function currentRange(): XRange | undefined {
  return ui.xRange ?? xExtent(allLines());
}

function setRange(range: XRange | null): void {
  // Kept with the UI intent, so that a reload (or the panel hidden and shown) opens on the same window.
  setUi({ ...ui, xRange: range }, false);
  controls.setZoomed(range !== null);
  fetcher.requestDetail(
    runs.filter((run) => model.drawnRunIds.includes(run.id)),
    ui,
    range,
  );
  scheduler.soon();
}

function zoomBy(factor: number): void {
  const range = currentRange();
  if (range === undefined) return;
  const center = crosshair ?? (range.min + range.max) / 2;
  const half = ((range.max - range.min) * factor) / 2;
  const extent = xExtent(allLines());
  if (factor > 1 && extent !== undefined && half * 2 >= extent.max - extent.min) return setRange(null);
  setRange({ min: center - half, max: center + half });
}

function panBy(fraction: number): void {
  const range = currentRange();
  if (range === undefined) return;
  const shift = (range.max - range.min) * fraction;
  setRange({ min: range.min + shift, max: range.max + shift });
}

function setCrosshair(x: number | null): void {
  crosshair = x;
  const range = currentRange();
  for (const id of CHART_IDS) {
    const slot = charts[id];
    slot.chart.setCrosshair(x);
    const lines = model[id];
    const values = x === null ? [] : valuesAt(lines, x, 8 * slot.chart.xUnitsPerPixel());
    const leftSide = x !== null && range !== undefined && x > (range.min + range.max) / 2;
    // The title names the logged point the values come from, not the pixel between two of them.
    const at = values[0]?.x ?? x;
    renderCrosshairTip(slot.tip, at === null ? '' : `${X_AXIS_LABELS[model.xShown]} ${formatX(at, model.xShown)}`, values, theme);
    if (slot.tip.hidden) continue;
    // Measured at the corner: placed near the right edge, an absolute box would shrink to the room left there.
    slot.tip.style.left = '0px';
    slot.tip.style.top = '0px';
    const { area, labels } = slot.chart.labelLayout();
    const place = tipPosition(slot.tip.offsetWidth, slot.tip.offsetHeight, area, labels, leftSide);
    slot.tip.style.left = `${place.x}px`;
    slot.tip.style.top = `${place.y}px`;
  }
}

function exportCsv(): void {
  const labels = new Map([...runs.map((run) => [run.id, run.label] as const), ...model.groups.map((group) => [group.id, `${group.label} (mean)`] as const)]);
  const data = visibleCsv([model.loss, model.accuracy, model.extra], labels, X_AXIS_LABELS[model.xShown], ui.xRange ?? undefined);
  vscode.postMessage({ type: 'export', format: 'csv', fileName: 'token-accuracy-visible.csv', data });
}

function chartLabel(id: ChartId, lines: readonly ChartLine[]): string {
  const runCount = new Set(lines.map((line) => line.runId)).size;
  const range = currentRange();
  const span = range === undefined ? '' : `, ${X_AXIS_LABELS[model.xShown]} ${formatX(range.min, model.xShown)} to ${formatX(range.max, model.xShown)}`;
  return `${id === 'extra' ? (ui.extraKey ?? 'Metric') : CHART_TITLES[id]} of ${runCount} runs${span}. Arrow keys pan, plus and minus zoom, 0 resets.`;
}

function runsIn(ids: readonly string[]): RunView[] {
  const wanted = new Set(ids);
  return runs.filter((run) => wanted.has(run.id));
}

/** The charts as the model has them, the runs still to come left out while they fill in (see ProgressiveFill). */
function drawCharts(): void {
  const drawnIds = new Set(model.drawnRunIds);
  const range = currentRange();
  for (const id of CHART_IDS) {
    const { front, layer, pending } = fill.split(model[id], drawnIds);
    charts[id].update({
      lines: front,
      layer,
      pending,
      annotations: model.annotations[id],
      xRange: range,
      xMode: model.xShown,
      log: ui.logScale.includes(id),
      title: id === 'extra' ? (ui.extraKey ?? 'Metric') : CHART_TITLES[id],
      label: chartLabel(id, [...front, ...layer]),
    });
  }
  const drawnOf = fill.drawnOf(model.drawnRunIds);
  const filling = drawnOf < model.drawnRunIds.length;
  fillNote.hidden = !filling;
  setText(fillNote, filling ? `Drawing ${drawnOf.toLocaleString('en')} of ${model.drawnRunIds.length.toLocaleString('en')} runs…` : '');
  if (filling) document.body.dataset['filling'] = `${drawnOf}/${model.drawnRunIds.length}`;
  else delete document.body.dataset['filling'];
}

/** The runs table; while the charts fill in, its rows follow in the same proportion (see TableData.rowLimit). */
function drawTable(): void {
  const drawn = model.drawnRunIds.length;
  const drawnOf = fill.drawnOf(model.drawnRunIds);
  const rowLimit = drawnOf < drawn ? Math.max(FIRST_DRAW_RUNS, Math.ceil((runs.length * drawnOf) / drawn)) : undefined;
  summaryTable.update({
    rows: runRows(
      runs,
      colors,
      theme,
      ui.focusedRunId,
      Date.now() + hostOffset,
      new Map(model.groups.flatMap((group) => group.runIds.map((id) => [id, group.label]))),
    ),
    sort: ui.tableSort,
    // Columns for the parameters that tell the runs the user sees apart (plus any the user chose).
    paramColumns: parameterColumns(
      runs.filter((run) => !ui.hiddenRunIds.includes(run.id)),
      ui.shownParams,
      ui.hiddenParams,
    ),
    groupOver: ui.groupOver,
    groupNote: model.groupNote,
    rowLimit,
  });
}

/** The next slice of runs, once the page is idle: what the user does in between is handled first. */
function fillSoon(): void {
  if (fillPending) return;
  fillPending = true;
  requestIdleCallback(
    () => {
      fillPending = false;
      if (fill.grow(model.drawnRunIds)) fillSoon();
      drawCharts();
      drawTable();
    },
    { timeout: 100 },
  );
}

function render(): void {
  const assigned = assignColors(
    ui.colors,
    runs.map((run) => run.id),
    PALETTE_SIZE,
  );
  if (JSON.stringify(assigned) !== JSON.stringify(ui.colors)) setUi({ ...ui, colors: assigned }, false);
  colors = assigned;
  // Shown or hidden before the charts are measured and drawn, so that each draws once at its size (see MetricChart.render).
  charts.extra.element.hidden = ui.extraKey === null;
  empty.hidden = runs.length > 0;
  layout.hidden = runs.length === 0;
  // About a point per pixel of the widest chart (min/max kept per bucket): more are not seen, and each costs drawing time.
  const width = Math.max(...CHART_IDS.map((id) => charts[id].chart.canvas.clientWidth), 300);
  model = buildChartModel(
    runs,
    ui,
    colors,
    fetcher.extras,
    fetcher.detail,
    { maxPointsPerLine: Math.ceil(width), xWindow: ui.xRange },
    lineCache,
    hoveredRunId,
  );
  if (
    fill.admit(
      model.drawnRunIds,
      () => priorityRuns(runsIn(model.drawnRunIds), { focusedRunId: ui.focusedRunId, pinnedRunIds: ui.pinnedRunIds, annotatedRunIds: model.annotated.runIds }),
      [ui.focusedRunId, hoveredRunId, ...ui.pinnedRunIds, ...model.annotated.runIds],
    )
  )
    fillSoon();
  drawCharts();
  setText(lossNote, model.trainDashed ? 'solid: eval, dashed: train' : 'thick: eval, thin: train');
  // Both notes say how runs sit on the chosen axis: those left off it, and those drawn at their epoch on the step axis.
  const axisNote = [model.unplacedNote, model.epochNote].filter((note) => note !== null).join(' ');
  unplaced.hidden = axisNote === '';
  setText(unplaced, axisNote);
  annotatedNote.hidden = model.annotated.note === null;
  setText(annotatedNote, model.annotated.note ?? '');
  bandLegend.hidden = model.groups.length === 0;
  controls.setKeys([...new Set(runs.flatMap((run) => run.keys))].sort(), ui.extraKey);
  runList.update({ runs, filter: ui.filter, hidden: ui.hiddenRunIds, colors, theme, focused: ui.focusedRunId, pinned: ui.pinnedRunIds });
  drawTable();
  warningList.update(runs);
  problemList.update(problems);
  renderDefinitions(definition, runs);
  calibration.render(runs, ui.focusedRunId, theme);
  tokens.render(runs, ui.focusedRunId);
  if (crosshair !== null) setCrosshair(crosshair);
  document.body.dataset['rendered'] = String(Number(document.body.dataset['rendered'] ?? '0') + 1);
}

/** A run focused from the tree view or a warning: shown, listed, highlighted and scrolled to. */
function focusRun(runId: string): void {
  const run = runs.find((item) => item.id === runId);
  if (run === undefined) return;
  const filter = runMatcher(ui.filter).matches(run.label) ? ui.filter : '';
  runList.setFilter(filter);
  setUi({ ...ui, filter, focusedRunId: runId, hiddenRunIds: ui.hiddenRunIds.filter((id) => id !== runId) });
  requestAnimationFrame(() => summaryTable.element.querySelector<HTMLElement>(`tr[data-run-id="${CSS.escape(runId)}"]`)?.scrollIntoView({ block: 'nearest' }));
}

function receive(message: HostMessage): void {
  switch (message.type) {
    case 'snapshot':
      aliases = message.aliases ?? {};
      runs = withDisplayLabels(message.runs, aliases);
      hostOffset = message.now - Date.now();
      problems = message.problems;
      fetcher.forget(runs.map((run) => run.id));
      break;
    case 'update': {
      runs = applyRunsUpdate(runs, withDisplayLabels(message.runs, aliases), message.removedRunIds);
      hostOffset = message.now - Date.now();
      problems = message.problems;
      fetcher.forget([...message.runs.map((run) => run.id), ...message.removedRunIds]);
      break;
    }
    case 'series':
      if (fetcher.receive(message.requestId, message.series)) scheduler.soon();
      return;
    case 'calibration':
      calibration.receive(message.runId, message.view);
      return;
    case 'tokens':
      tokens.receive(message.runId, message.view);
      return;
    case 'focusRun':
      focusRun(message.runId);
      return;
  }
  fetcher.requestExtras(runs, ui.extraKey);
  if (ui.xRange !== null) fetcher.requestDetail(runs, ui, ui.xRange);
  if (message.type === 'snapshot') scheduler.soon();
  else scheduler.data();
}

onThemeChange(() => {
  theme = readThemeColors();
  for (const id of CHART_IDS) charts[id].chart.applyTheme(theme);
  scheduler.soon();
});
// Live turns to idle with time alone: the table is redrawn now and then.
setInterval(() => {
  if (runs.length > 0) scheduler.soon();
}, 30_000);
window.addEventListener('message', (event: MessageEvent<HostMessage>) => receive(event.data));
vscode.setState(ui);
vscode.postMessage({ type: 'ready' });
