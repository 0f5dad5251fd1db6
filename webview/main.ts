import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { HostMessage, RunView, Problem, WebviewMessage } from '../src/protocol';
import { buildChartModel, pointCount } from './chartData';
import { MetricChart } from './charts';
import { CalibrationSection } from './calibration';
import { el } from './dom';
import { renderDefinitions, renderProblems, renderSummary, renderWarnings } from './summary';
import { onThemeChange, readThemeColors, runColor } from './theme';
import { restoreUiState, type UiState } from './uiState';

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

const smoothingInput = el('input', { type: 'range', id: 'smoothing', min: '0', max: '0.99', step: '0.01', value: String(ui.smoothing), 'aria-label': 'Smoothing' });
const smoothingValue = el('span', { id: 'smoothing-value' }, ui.smoothing.toFixed(2));
const trainLossBox = el('vscode-checkbox', { id: 'show-train-loss', label: 'Train loss' }) as HTMLElement & { checked: boolean };
trainLossBox.checked = ui.showTrainLoss;
const runToggles = el('div', { class: 'run-toggles', role: 'group', 'aria-label': 'Runs' });
const lossCanvas = el('canvas', { id: 'loss-chart', role: 'img', 'aria-label': 'Eval and train loss by step' });
const accuracyCanvas = el('canvas', { id: 'accuracy-chart', role: 'img', 'aria-label': 'Eval token accuracy by step' });
const warningList = el('ul', { id: 'warnings', class: 'warnings' });
const definition = el('p', { id: 'definitions', class: 'note' });
const summaryTable = el('table', { id: 'summary' });
const problemList = el('ul', { id: 'problems', class: 'problems' });
const empty = el('p', { id: 'empty', class: 'note' }, 'Waiting for training logs (trainer_state.json, *.jsonl) in the workspace…');

document.getElementById('app')?.append(
  el(
    'header',
    { class: 'controls' },
    el('vscode-label', { for: 'smoothing' }, 'Smoothing'),
    smoothingInput,
    smoothingValue,
    trainLossBox,
    runToggles,
  ),
  warningList,
  empty,
  el('section', { class: 'charts' }, el('figure', { class: 'chart' }, el('figcaption', {}, 'Loss ', el('span', { class: 'note' }, '(solid: eval, dashed: train)')), el('div', { class: 'canvas-box' }, lossCanvas)), el('figure', { class: 'chart' }, el('figcaption', {}, 'Eval token accuracy'), el('div', { class: 'canvas-box' }, accuracyCanvas))),
  definition,
  summaryTable,
  problemList,
);

const lossChart = new MetricChart(lossCanvas, 'loss', theme);
const accuracyChart = new MetricChart(accuracyCanvas, 'token accuracy (%)', theme);
const calibration = new CalibrationSection((message) => vscode.postMessage(message), theme);
document.getElementById('app')?.append(calibration.element);

function setUi(next: UiState): void {
  ui = next;
  vscode.setState(ui);
  scheduleRender();
}

function renderRunToggles(): void {
  runToggles.replaceChildren(
    ...runs.map((run, index) => {
      const box = el('vscode-checkbox', { label: run.label, title: run.id, 'data-run-id': run.id }) as HTMLElement & { checked: boolean };
      box.checked = !ui.hiddenRunIds.includes(run.id);
      box.style.setProperty('--run-color', runColor(theme, index));
      box.addEventListener('change', () => {
        const hidden = new Set(ui.hiddenRunIds);
        if (box.checked) hidden.delete(run.id);
        else hidden.add(run.id);
        setUi({ ...ui, hiddenRunIds: [...hidden] });
      });
      return box;
    }),
  );
}

function stepRange(): { min: number; max: number } | undefined {
  const steps = runs.filter((run) => !ui.hiddenRunIds.includes(run.id)).flatMap((run) => [run.evalLoss, run.trainLoss, run.evalAccuracy].flatMap((series) => (series === null || series.steps.length === 0 ? [] : [series.steps[0] as number, series.steps[series.steps.length - 1] as number])));
  return steps.length === 0 ? undefined : { min: Math.min(...steps), max: Math.max(...steps) };
}

function render(): void {
  const model = buildChartModel(runs, ui);
  const range = stepRange();
  lossChart.render(model.loss, model.markers, model.regions, range);
  accuracyChart.render(model.accuracy, model.markers, model.regions, range);
  lossCanvas.dataset['points'] = String(pointCount(model.loss));
  accuracyCanvas.dataset['points'] = String(pointCount(model.accuracy));
  lossCanvas.dataset['runs'] = String(new Set(model.loss.map((line) => line.runId)).size);
  accuracyCanvas.dataset['runs'] = String(new Set(model.accuracy.map((line) => line.runId)).size);
  empty.hidden = runs.length > 0;
  renderSummary(summaryTable, runs, theme);
  renderWarnings(warningList, runs);
  renderProblems(problemList, problems);
  renderDefinitions(definition, runs);
  calibration.render(runs, null, theme);
}

let renderPending = false;
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function receive(message: HostMessage): void {
  switch (message.type) {
    case 'snapshot':
      runs = [...message.runs];
      break;
    case 'calibration':
      calibration.receive(message.runId, message.view);
      return;
    case 'update': {
      const changed = new Map(message.runs.map((run) => [run.id, run]));
      const removed = new Set(message.removedRunIds);
      runs = runs.filter((run) => !removed.has(run.id)).map((run) => changed.get(run.id) ?? run);
      for (const run of message.runs) if (!runs.some((known) => known.id === run.id)) runs.push(run);
      runs.sort((a, b) => a.id.localeCompare(b.id));
      break;
    }
  }
  problems = message.problems;
  renderRunToggles();
  scheduleRender();
}

smoothingInput.addEventListener('input', () => {
  smoothingValue.textContent = Number(smoothingInput.value).toFixed(2);
  setUi({ ...ui, smoothing: Number(smoothingInput.value) });
});
trainLossBox.addEventListener('change', () => setUi({ ...ui, showTrainLoss: trainLossBox.checked }));
onThemeChange(() => {
  theme = readThemeColors();
  lossChart.applyTheme(theme);
  accuracyChart.applyTheme(theme);
  renderRunToggles();
  scheduleRender();
});
window.addEventListener('message', (event: MessageEvent<HostMessage>) => receive(event.data));
vscode.setState(ui);
vscode.postMessage({ type: 'ready' });
