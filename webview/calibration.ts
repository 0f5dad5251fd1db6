import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { pointStatisticsText, type CalibrationView } from '../src/core/tokens/calibrationView';
import type { RunView, WebviewMessage } from '../src/protocol';
import { calibrationRunId, confidenceAndAccuracy, nllSplitBars, pairedTestText, rawAndScaledLoss, reliabilityAt, scaledLossLabel } from './calibrationData';
import { el } from './dom';
import { setText } from './keyedList';
import { withAlpha, type ThemeColors } from './theme';

Chart.register(BarController, BarElement, CategoryScale, LineController, LineElement, LinearScale, PointElement, Legend, Tooltip);

type ChartId = 'trend' | 'reliability' | 'split' | 'loss';
const TITLES: Record<ChartId, string> = {
  trend: 'Confidence against accuracy',
  reliability: 'Reliability diagram',
  split: 'NLL change from the least-loss evaluation, split',
  loss: 'Raw against temperature-scaled loss',
};

/**
 * The calibration section of the panel, for one run with evaluation outputs: drawn from the host's
 * calibration view, asked for again whenever the run's files change.
 */
export class CalibrationSection {
  readonly element: HTMLElement;
  private readonly heading = el('h2', { class: 'calibration-title' }, 'Calibration');
  private readonly alignment = el('p', { class: 'note', id: 'calibration-alignment' });
  private readonly paired = el('p', { class: 'note', id: 'calibration-paired' });
  private readonly statistics = el('p', { class: 'note', id: 'calibration-statistics' });
  private readonly stepPicker = el('select', { id: 'calibration-step', 'aria-label': 'Step of the reliability diagram' });
  private readonly canvases: Record<ChartId, HTMLCanvasElement>;
  private readonly charts = new Map<ChartId, Chart>();
  private runId: string | null = null;
  private runLabel = '';
  private signature = '';
  private view: CalibrationView | null = null;
  private step: number | null = null;

  constructor(
    private readonly post: (message: WebviewMessage) => void,
    private theme: ThemeColors,
  ) {
    const ids: ChartId[] = ['trend', 'reliability', 'split', 'loss'];
    this.canvases = Object.fromEntries(ids.map((id) => [id, el('canvas', { id: `calibration-${id}`, role: 'img', 'aria-label': TITLES[id] })])) as Record<
      ChartId,
      HTMLCanvasElement
    >;
    this.stepPicker.addEventListener('change', () => {
      this.step = Number(this.stepPicker.value);
      this.draw();
    });
    const figure = (id: ChartId, ...tools: Node[]): HTMLElement =>
      el(
        'figure',
        { class: 'chart', id: `calibration-${id}-figure` },
        el('figcaption', {}, el('span', { class: 'chart-title' }, TITLES[id]), el('span', { class: 'chart-tools' }, ...tools)),
        el('div', { class: 'canvas-box' }, this.canvases[id]),
      );
    this.element = el(
      'section',
      { class: 'calibration', id: 'calibration', 'aria-label': 'Calibration from evaluation outputs', hidden: '' },
      this.heading,
      this.alignment,
      el('div', { class: 'charts' }, figure('trend'), figure('reliability', el('label', {}, 'step ', this.stepPicker)), figure('split'), figure('loss')),
      this.statistics,
      this.paired,
    );
  }

  /** Called on every render of the panel: picks the run to show and asks for its view when its files changed. */
  render(runs: readonly RunView[], focusedRunId: string | null, theme: ThemeColors): void {
    const themeChanged = theme !== this.theme;
    this.theme = theme;
    const runId = calibrationRunId(runs, focusedRunId);
    const run = runs.find((candidate) => candidate.id === runId);
    this.runLabel = run?.label ?? '';
    const signature = run === undefined ? '' : JSON.stringify([run.id, run.updatedAt, run.sources.length, run.latest?.step ?? null]);
    if (runId === null) {
      this.element.hidden = true;
      this.runId = null;
      this.signature = '';
      return;
    }
    if (signature !== this.signature) {
      this.signature = signature;
      this.runId = runId;
      this.post({ type: 'requestCalibration', runId });
    } else if (themeChanged) this.draw();
  }

  receive(runId: string, view: CalibrationView | null): void {
    if (runId !== this.runId) return;
    this.view = view;
    this.element.hidden = view === null || view.points.length === 0;
    if (view === null) return;
    const steps = view.points.filter((point) => point.reliability.length > 0).map((point) => point.step);
    if (this.step === null || !steps.includes(this.step)) this.step = steps[steps.length - 1] ?? null;
    // Rebuilt only when the steps differ: an open picker or one with focus is left alone by a redraw.
    if ([...this.stepPicker.options].map((option) => option.value).join(',') !== steps.join(','))
      this.stepPicker.replaceChildren(...steps.map((step) => el('option', { value: String(step) }, String(step))));
    if (this.step !== null) this.stepPicker.value = String(this.step);
    this.draw();
  }

  private draw(): void {
    const view = this.view;
    if (view === null) return;
    setText(this.heading, `Calibration of ${this.runLabel || view.runId}, computed from its evaluation outputs`);
    setText(this.alignment, `Tokens paired as: ${view.alignments.join(' | ')}.`);
    setText(this.paired, pairedTestText(view));
    const colors = this.theme.runs;
    const [blue, orange, green, purple, , red] = [0, 1, 2, 3, 4, 5].map((i) => colors[i] ?? this.theme.foreground);
    const trend = confidenceAndAccuracy(view);
    this.show('trend', {
      type: 'line',
      data: { datasets: [this.line('token accuracy (%)', trend.accuracy, green), this.line('mean confidence (%)', trend.confidence, orange)] },
      options: this.options('step', '%', 'linear'),
    });
    const bars = this.step === null ? null : reliabilityAt(view, this.step);
    const point = view.points.find((candidate) => candidate.step === this.step) ?? view.points[view.points.length - 1];
    this.statistics.textContent = point === undefined ? '' : pointStatisticsText(point);
    this.show('reliability', {
      type: 'bar',
      data: {
        labels: bars?.labels ?? [],
        datasets: [
          { type: 'bar', label: 'accuracy in the bin (%)', data: bars?.accuracy ?? [], backgroundColor: withAlpha(blue ?? '', 0.7) },
          {
            type: 'line',
            label: 'perfect calibration',
            data: bars?.ideal ?? [],
            borderColor: this.theme.foreground,
            borderDash: [4, 3],
            pointRadius: 0,
            borderWidth: 1,
          },
        ],
      },
      options: this.options('confidence', 'accuracy (%)', 'category'),
    });
    const split = nllSplitBars(view);
    this.show('split', {
      type: 'bar',
      data: {
        labels: split.labels,
        datasets: [
          // The total is drawn over the bars (lower order is drawn last) and outside their stack.
          {
            type: 'line',
            label: 'total ΔNLL',
            data: split.total,
            borderColor: this.theme.foreground,
            backgroundColor: this.theme.foreground,
            pointRadius: 4,
            borderWidth: 2,
            order: 0,
            stack: 'total',
          },
          { type: 'bar', label: 'wrong tokens', data: split.wrongTokens, backgroundColor: red, stack: 'split', order: 1 },
          { type: 'bar', label: 'correct tokens', data: split.correctTokens, backgroundColor: blue, stack: 'split', order: 1 },
          { type: 'bar', label: 'accuracy change', data: split.accuracyChange, backgroundColor: purple, stack: 'split', order: 1 },
        ],
      },
      options: this.options(`step (against ${view.bestLossStep ?? '–'})`, 'Δ nats per token', 'category', true),
    });
    const loss = rawAndScaledLoss(view);
    const scaledLabel = scaledLossLabel(loss);
    this.show('loss', {
      type: 'line',
      data: { datasets: [this.line('mean NLL', loss.raw, red), ...(scaledLabel === null ? [] : [this.line(scaledLabel, loss.scaled, blue)])] },
      options: this.options('step', 'nats per token', 'linear'),
    });
    this.element.dataset['points'] = String(view.points.length);
  }

  private line(
    label: string,
    data: { x: number; y: number | null }[],
    color: string | undefined,
  ): ChartConfiguration<'line', { x: number; y: number | null }[]>['data']['datasets'][number] {
    return { label, data, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2, spanGaps: true, tension: 0 };
  }

  private options(xTitle: string, yTitle: string, xType: 'linear' | 'category', stacked = false): ChartConfiguration['options'] {
    const ticks = { color: this.theme.foreground, font: { family: this.theme.font } };
    const grid = { color: this.theme.grid };
    const title = (text: string): { display: boolean; text: string; color: string } => ({ display: true, text, color: this.theme.foreground });
    return {
      animation: false,
      maintainAspectRatio: false,
      responsive: true,
      plugins: { legend: { labels: { color: this.theme.foreground, font: { family: this.theme.font } } } },
      scales: { x: { type: xType, stacked, ticks, grid, title: title(xTitle) }, y: { stacked, ticks, grid, title: title(yTitle) } },
    };
  }

  /** Each draw makes its chart anew: the data changes only when an evaluation is added or the theme changes. */
  private show(id: ChartId, config: ChartConfiguration): void {
    this.charts.get(id)?.destroy();
    this.charts.set(id, new Chart(this.canvases[id], config));
  }
}
