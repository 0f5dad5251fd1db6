import { pointCount, type XRange } from './chartData';
import { MetricChart, type ChartFrame } from './charts';
import { el } from './dom';
import type { ThemeColors } from './theme';
import type { ChartId } from './uiState';
import { X_AXIS_LABELS } from './xAxis';

export const CHART_TITLES: Readonly<Record<ChartId, string>> = { loss: 'Loss', accuracy: 'Eval accuracy', extra: 'Metric' };
const Y_TITLES: Readonly<Record<ChartId, string>> = { loss: 'loss', accuracy: 'accuracy (%)', extra: 'value' };

export interface ChartFigureEvents {
  onLogScale(log: boolean): void;
  onPng(dataUrl: string): void;
  onRange(range: XRange | null): void;
  onHover(x: number | null): void;
  onPan(fraction: number): void;
  onZoom(factor: number): void;
}

/** What a chart shows at one render, and what its title and accessible name say of it. */
export interface ChartFigureData extends ChartFrame {
  readonly title: string;
  readonly label: string;
}

/**
 * One chart with its caption, log-scale box, PNG export, keyboard zoom and pan, and crosshair tip: built
 * once, `update` redraws the chart and patches the rest.
 */
export class ChartFigure {
  readonly element: HTMLElement;
  readonly chart: MetricChart;
  readonly tip: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly log: HTMLInputElement;

  constructor(
    private readonly id: ChartId,
    log: boolean,
    theme: ThemeColors,
    events: ChartFigureEvents,
    note: HTMLElement | null = null,
  ) {
    const canvas = el('canvas', {
      id: `${id}-chart`,
      role: 'img',
      tabindex: '0',
      'aria-label': CHART_TITLES[id],
      'aria-keyshortcuts': 'ArrowLeft ArrowRight + - 0',
    });
    this.tip = el('div', { class: 'crosshair-tip', id: `${id}-tip`, hidden: '' });
    this.log = el('input', { type: 'checkbox', id: `${id}-log`, 'aria-label': `Log scale for ${CHART_TITLES[id]}` });
    this.log.checked = log;
    this.log.addEventListener('change', () => events.onLogScale(this.log.checked));
    const png = el('button', { type: 'button', id: `${id}-png`, 'aria-label': `Export the ${CHART_TITLES[id]} chart as PNG` }, 'PNG');
    png.addEventListener('click', () => events.onPng(this.chart.toPng()));
    this.caption = el('span', { class: 'chart-title' }, CHART_TITLES[id]);
    this.chart = new MetricChart(canvas, Y_TITLES[id], theme, { onRange: events.onRange, onHover: events.onHover });
    canvas.addEventListener('keydown', (event) => {
      const keys: Record<string, () => void> = {
        ArrowLeft: () => events.onPan(-0.1),
        ArrowRight: () => events.onPan(0.1),
        '+': () => events.onZoom(0.5),
        '=': () => events.onZoom(0.5),
        '-': () => events.onZoom(2),
        '0': () => events.onRange(null),
        Escape: () => events.onRange(null),
      };
      const action = keys[event.key];
      if (action === undefined) return;
      event.preventDefault();
      action();
    });
    this.element = el(
      'figure',
      { class: 'chart', id: `${id}-figure` },
      el('figcaption', {}, this.caption, note ?? '', el('span', { class: 'chart-tools' }, el('label', {}, this.log, ' log'), png)),
      el('div', { class: 'canvas-box' }, canvas, this.tip),
    );
  }

  update(data: ChartFigureData): void {
    const { xRange } = data;
    // What is drawn: the datasets and the layer beneath them.
    const lines = [...data.lines, ...(data.layer ?? [])];
    // The extra chart's values are those of the key it shows, and its axis says which.
    this.chart.render(this.id === 'extra' ? { ...data, yTitle: data.title } : data);
    if (this.log.checked !== data.log) this.log.checked = data.log;
    if (this.caption.textContent !== data.title) this.caption.textContent = data.title;
    // Read by tests and kept for the screen reader summary: what is drawn, counted.
    const canvas = this.chart.canvas;
    canvas.dataset['points'] = String(pointCount(lines));
    canvas.dataset['runs'] = String(new Set(lines.map((line) => line.runId)).size);
    canvas.dataset['lines'] = String(lines.length);
    canvas.dataset['xMin'] = String(xRange?.min ?? '');
    canvas.dataset['xMax'] = String(xRange?.max ?? '');
    canvas.dataset['xAxis'] = X_AXIS_LABELS[data.xMode];
    canvas.setAttribute('aria-label', data.label);
  }
}
