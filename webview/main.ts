import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { HostMessage, Problem, RunView, WebviewMessage } from '../src/protocol';
import { buildChartModel, pointCount, valuesAt, xExtent, type ChartLine, type ChartModel, type LineCache, type XRange } from './chartData';
import { MetricChart } from './charts';
import { controlBar } from './controls';
import { renderCrosshairTip } from './crosshairTip';
import { CalibrationSection } from './calibration';
import { el } from './dom';
import { tipPosition } from './labelLayout';
import { emptyState } from './emptyState';
import { visibleCsv } from './exportCsv';
import { assignColors } from './runColors';
import { runMatcher } from './runFilter';
import { RunList } from './runList';
import { SeriesFetcher } from './seriesFetcher';
import { ProblemsList } from './problemsList';
import { runRows, RunsTable, type TableEvents } from './runsTable';
import { renderDefinitions } from './summary';
import { WarningsList } from './warningsList';
import { onThemeChange, PALETTE_SIZE, readThemeColors } from './theme';
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
let problems: readonly Problem[] = [];
let theme = readThemeColors();
let colors: Record<string, number> = { ...ui.colors };
let model: ChartModel = buildChartModel([], ui, colors);
let crosshair: number | null = null;
/** Host clock minus ours: live and idle are judged on the host's clock, where the files are. */
let hostOffset = 0;
const fetcher = new SeriesFetcher((message) => vscode.postMessage(message));
const lineCache: LineCache = new WeakMap();

function setUi(next: UiState, render = true): void {
  ui = next;
  vscode.setState(ui);
  if (render) scheduleRender();
}

const tableEvents: TableEvents = {
  onFocus: (runId) => setUi({ ...ui, focusedRunId: runId }),
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

const CHART_TITLES: Record<ChartId, string> = { loss: 'Loss', accuracy: 'Eval accuracy', extra: 'Metric' };
const Y_TITLES: Record<ChartId, string> = { loss: 'loss', accuracy: 'accuracy (%)', extra: 'value' };
const CHART_IDS: readonly ChartId[] = ['loss', 'accuracy', 'extra'];

interface ChartSlot {
  readonly figure: HTMLElement;
  readonly chart: MetricChart;
  readonly tip: HTMLElement;
  readonly caption: HTMLElement;
}

const lossNote = el('span', { class: 'note', id: 'loss-note' }, 'solid: eval, dashed: train');

function chartSlot(id: ChartId): ChartSlot {
  const canvas = el('canvas', {
    id: `${id}-chart`,
    role: 'img',
    tabindex: '0',
    'aria-label': CHART_TITLES[id],
    'aria-keyshortcuts': 'ArrowLeft ArrowRight + - 0',
  });
  const tip = el('div', { class: 'crosshair-tip', id: `${id}-tip`, hidden: '' });
  const log = el('input', { type: 'checkbox', id: `${id}-log`, 'aria-label': `Log scale for ${CHART_TITLES[id]}` });
  log.checked = ui.logScale.includes(id);
  log.addEventListener('change', () => setUi({ ...ui, logScale: log.checked ? [...ui.logScale, id] : ui.logScale.filter((chart) => chart !== id) }));
  const png = el('button', { type: 'button', id: `${id}-png`, 'aria-label': `Export the ${CHART_TITLES[id]} chart as PNG` }, 'PNG');
  png.addEventListener('click', () =>
    vscode.postMessage({
      type: 'export',
      format: 'png',
      fileName: `${id === 'extra' ? (ui.extraKey ?? 'metric').replace(/[^\w.-]/g, '_') : id}.png`,
      data: slot.chart.toPng(),
    }),
  );
  const caption = el('span', { class: 'chart-title' }, CHART_TITLES[id]);
  const chart = new MetricChart(canvas, Y_TITLES[id], theme, { onRange: (range) => setRange(range), onHover: (x) => setCrosshair(x) });
  canvas.addEventListener('keydown', (event) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => panBy(-0.1),
      ArrowRight: () => panBy(0.1),
      '+': () => zoomBy(0.5),
      '=': () => zoomBy(0.5),
      '-': () => zoomBy(2),
      '0': () => setRange(null),
      Escape: () => setRange(null),
    };
    const action = keys[event.key];
    if (action === undefined) return;
    event.preventDefault();
    action();
  });
  const figure = el(
    'figure',
    { class: 'chart', id: `${id}-figure` },
    el('figcaption', {}, caption, id === 'loss' ? lossNote : '', el('span', { class: 'chart-tools' }, el('label', {}, log, ' log'), png)),
    el('div', { class: 'canvas-box' }, canvas, tip),
  );
  const slot: ChartSlot = { figure, chart, tip, caption };
  return slot;
}

const charts: Record<ChartId, ChartSlot> = { loss: chartSlot('loss'), accuracy: chartSlot('accuracy'), extra: chartSlot('extra') };
const warningList = new WarningsList(tableEvents);
const definition = el('p', { id: 'definitions', class: 'note' });
const unplaced = el('p', { id: 'unplaced', class: 'note', hidden: '' });
const summaryTable = new RunsTable(tableEvents);
const problemList = new ProblemsList();
const empty = emptyState();
const calibration = new CalibrationSection((message) => vscode.postMessage(message), theme);
const content = el(
  'div',
  { class: 'content' },
  unplaced,
  el(
    'section',
    { class: 'charts', 'aria-label': 'Charts: drag to zoom, shift-drag to pan, double-click to reset' },
    ...CHART_IDS.map((id) => charts[id].figure),
  ),
  warningList.element,
  calibration.element,
  definition,
  el('div', { class: 'table-box' }, summaryTable.element),
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
  scheduleRender();
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
    renderCrosshairTip(slot.tip, at === null ? '' : `${X_AXIS_LABELS[ui.xAxis]} ${formatX(at, ui.xAxis)}`, values, theme);
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
  const labels = new Map(runs.map((run) => [run.id, run.label]));
  const data = visibleCsv([model.loss, model.accuracy, model.extra], labels, X_AXIS_LABELS[ui.xAxis], ui.xRange ?? undefined);
  vscode.postMessage({ type: 'export', format: 'csv', fileName: 'token-accuracy-visible.csv', data });
}

function chartLabel(id: ChartId, lines: readonly ChartLine[]): string {
  const runCount = new Set(lines.map((line) => line.runId)).size;
  const range = currentRange();
  const span = range === undefined ? '' : `, ${X_AXIS_LABELS[ui.xAxis]} ${formatX(range.min, ui.xAxis)} to ${formatX(range.max, ui.xAxis)}`;
  return `${id === 'extra' ? (ui.extraKey ?? 'Metric') : CHART_TITLES[id]} of ${runCount} runs${span}. Arrow keys pan, plus and minus zoom, 0 resets.`;
}

function render(): void {
  const assigned = assignColors(
    ui.colors,
    runs.map((run) => run.id),
    PALETTE_SIZE,
  );
  if (JSON.stringify(assigned) !== JSON.stringify(ui.colors)) setUi({ ...ui, colors: assigned }, false);
  colors = assigned;
  // About a point per pixel of the widest chart (min/max kept per bucket): more are not seen, and each costs drawing time.
  const width = Math.max(...CHART_IDS.map((id) => charts[id].chart.canvas.clientWidth), 300);
  model = buildChartModel(runs, ui, colors, fetcher.extras, fetcher.detail, { maxPointsPerLine: Math.ceil(width), xWindow: ui.xRange }, lineCache);
  const range = currentRange();
  for (const id of CHART_IDS) {
    const slot = charts[id];
    const lines = model[id];
    slot.chart.render({ lines, annotations: model.annotations[id], xRange: range, xMode: ui.xAxis, log: ui.logScale.includes(id) });
    slot.chart.canvas.dataset['points'] = String(pointCount(lines));
    slot.chart.canvas.dataset['runs'] = String(new Set(lines.map((line) => line.runId)).size);
    slot.chart.canvas.dataset['lines'] = String(lines.length);
    slot.chart.canvas.dataset['xMin'] = String(range?.min ?? '');
    slot.chart.canvas.dataset['xMax'] = String(range?.max ?? '');
    slot.chart.canvas.setAttribute('aria-label', chartLabel(id, lines));
  }
  lossNote.textContent = model.trainDashed ? 'solid: eval, dashed: train' : 'thick: eval, thin: train';
  charts.extra.figure.hidden = ui.extraKey === null;
  charts.extra.caption.textContent = ui.extraKey ?? 'Metric';
  empty.hidden = runs.length > 0;
  layout.hidden = runs.length === 0;
  unplaced.hidden = model.unplacedRunIds.length === 0;
  unplaced.textContent = `${model.unplacedRunIds.length} run(s) log no ${X_AXIS_LABELS[ui.xAxis]} and are not drawn on this axis.`;
  controls.setKeys([...new Set(runs.flatMap((run) => run.keys))].sort(), ui.extraKey);
  runList.update({ runs, filter: ui.filter, hidden: ui.hiddenRunIds, colors, theme, focused: ui.focusedRunId });
  summaryTable.update(runRows(runs, colors, theme, ui.focusedRunId, Date.now() + hostOffset));
  warningList.update(runs);
  problemList.update(problems);
  renderDefinitions(definition, runs);
  calibration.render(runs, ui.focusedRunId, theme);
  if (crosshair !== null) setCrosshair(crosshair);
  document.body.dataset['rendered'] = String(Number(document.body.dataset['rendered'] ?? '0') + 1);
}

let renderPending = false;
let dataRenderTimer: ReturnType<typeof setTimeout> | undefined;
let lastRender = { end: 0, ms: 0 };
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  clearTimeout(dataRenderTimer);
  dataRenderTimer = undefined;
  requestAnimationFrame(() => {
    renderPending = false;
    const start = performance.now();
    render();
    lastRender = { end: performance.now(), ms: performance.now() - start };
  });
}

/**
 * New data from live runs is drawn at most every other render's length: with many runs appending, the
 * panel spends at least half its time free for the user (what the user does is drawn at once).
 */
function scheduleDataRender(): void {
  if (renderPending || dataRenderTimer !== undefined) return;
  const wait = lastRender.end + lastRender.ms - performance.now();
  if (wait <= 0) return scheduleRender();
  dataRenderTimer = setTimeout(() => {
    dataRenderTimer = undefined;
    scheduleRender();
  }, wait);
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
      runs = [...message.runs];
      hostOffset = message.now - Date.now();
      problems = message.problems;
      fetcher.forget(runs.map((run) => run.id));
      break;
    case 'update': {
      const changed = new Map(message.runs.map((run) => [run.id, run]));
      const removed = new Set(message.removedRunIds);
      runs = runs.filter((run) => !removed.has(run.id)).map((run) => changed.get(run.id) ?? run);
      for (const run of message.runs) if (!runs.some((known) => known.id === run.id)) runs.push(run);
      runs.sort((a, b) => a.id.localeCompare(b.id));
      hostOffset = message.now - Date.now();
      problems = message.problems;
      fetcher.forget([...changed.keys(), ...removed]);
      break;
    }
    case 'series':
      if (fetcher.receive(message.requestId, message.series)) scheduleRender();
      return;
    case 'calibration':
      calibration.receive(message.runId, message.view);
      return;
    case 'focusRun':
      focusRun(message.runId);
      return;
  }
  fetcher.requestExtras(runs, ui.extraKey);
  if (ui.xRange !== null) fetcher.requestDetail(runs, ui, ui.xRange);
  if (message.type === 'snapshot') scheduleRender();
  else scheduleDataRender();
}

onThemeChange(() => {
  theme = readThemeColors();
  for (const id of CHART_IDS) charts[id].chart.applyTheme(theme);
  scheduleRender();
});
// Live turns to idle with time alone: the table is redrawn now and then.
setInterval(() => {
  if (runs.length > 0) scheduleRender();
}, 30_000);
window.addEventListener('message', (event: MessageEvent<HostMessage>) => receive(event.data));
vscode.setState(ui);
vscode.postMessage({ type: 'ready' });
