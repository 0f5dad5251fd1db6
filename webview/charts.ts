import {
  Chart,
  Filler,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  type ChartDataset,
  type ChartMeta,
  type Plugin,
} from 'chart.js';
import annotationPlugin, { type AnnotationOptions } from 'chartjs-plugin-annotation';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ChartAnnotation, ChartLine, XRange } from './chartData';
import { labelsPlugin, type LabelState } from './chartLabels';
import type { Box } from './labelLayout';
import { runColor, withAlpha, type ThemeColors } from './theme';
import { formatTick } from './tickFormat';
import { formatX, X_AXIS_LABELS, type XAxisMode } from './xAxis';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, annotationPlugin, zoomPlugin);

/** What a chart tells the page: the user zoomed or panned (null: reset), or the pointer is over an x value. */
export interface ChartEvents {
  onRange(range: XRange | null): void;
  onHover(x: number | null): void;
}

export interface ChartFrame {
  readonly lines: readonly ChartLine[];
  readonly annotations: readonly ChartAnnotation[];
  readonly xRange: XRange | undefined;
  readonly xMode: XAxisMode;
  readonly log: boolean;
  /** The value axis's title when it is not the chart's own (the extra chart names its key). */
  readonly yTitle?: string;
}

type Point = { x: number; y: number | null };

/**
 * Chart.js finds a dataset's meta by scanning every meta it holds, and its update, its filler and its draw ask once
 * per dataset: quadratic, 0.64 s of the first draw with 1,000 runs (4,000 lines). This chart remembers each dataset's
 * meta for as long as the dataset list is the same array: `render` replaces the list (and every dataset in it) on
 * each frame and never changes a dataset's type, the only other reason Chart.js drops the meta of a dataset it keeps.
 */
class LineChart extends Chart<'line', Point[]> {
  private metas: { datasets: readonly unknown[]; byDataset: Map<unknown, ChartMeta> } | undefined;

  override getDatasetMeta(datasetIndex: number): ChartMeta {
    const datasets = this.data.datasets;
    if (this.metas?.datasets !== datasets) this.metas = { datasets, byDataset: new Map() };
    const dataset = datasets[datasetIndex];
    const known = this.metas.byDataset.get(dataset);
    if (known !== undefined) return known;
    const meta = super.getDatasetMeta(datasetIndex);
    if (dataset !== undefined) this.metas.byDataset.set(dataset, meta);
    return meta;
  }
}

interface Overlay {
  crosshair: number | null;
  theme: ThemeColors;
}

/** The synced crosshair: a vertical line at the x the pointer is over, in whichever chart it is. */
function crosshairPlugin(overlay: Overlay, events: ChartEvents): Plugin<'line'> {
  return {
    id: 'crosshair',
    afterEvent(chart, args) {
      const { event } = args;
      if (event.type === 'mouseout' || !args.inChartArea || event.x === null) {
        if (overlay.crosshair !== null) events.onHover(null);
        return;
      }
      if (event.type === 'mousemove') events.onHover(chart.scales['x']?.getValueForPixel(event.x) ?? null);
    },
    afterDatasetsDraw(chart) {
      const x = overlay.crosshair === null ? undefined : chart.scales['x']?.getPixelForValue(overlay.crosshair);
      const { ctx, chartArea } = chart;
      if (x === undefined || x < chartArea.left || x > chartArea.right) return;
      ctx.save();
      ctx.strokeStyle = withAlpha(overlay.theme.foreground, 0.5);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };
}

/** Paints the editor background under the chart, so that an exported PNG reads as it did on screen. */
function backgroundPlugin(overlay: Overlay): Plugin<'line'> {
  return {
    id: 'background',
    beforeDraw(chart) {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.fillStyle = overlay.theme.background;
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };
}

/** A line of more points than this is dense: its markers would merge into the line and say nothing more. */
const MAX_MARKED_POINTS = 60;
/**
 * Past this many markers in one chart they no longer carry information and cost most of the drawing: with 1,000 runs,
 * 84,000 markers took 1.3 s of a 2.2 s first draw. A dozen runs' sparse eval curves (about 1,500) keep theirs.
 */
const MAX_MARKERS = 3000;

/** Whether the line would carry a marker on each point: a sparse line of values, not a raw one (the faint unsmoothed trace). */
function isMarkedLine(line: ChartLine): boolean {
  return !line.raw && line.points.length <= MAX_MARKED_POINTS;
}

/** The markers the chart's sparse lines would carry, one on each point. */
function pointMarkers(lines: readonly ChartLine[]): number {
  let markers = 0;
  for (const line of lines) if (isMarkedLine(line)) markers += line.points.length;
  return markers;
}

function toDataset(line: ChartLine, theme: ThemeColors, markers: boolean): ChartDataset<'line', { x: number; y: number | null }[]> {
  const color = runColor(theme, line.colorIndex);
  const alpha = (line.raw ? 0.25 : 1) * (line.faded ? 0.2 : 1);
  return {
    label: line.label,
    data: line.points as { x: number; y: number | null }[],
    borderColor: alpha === 1 ? color : withAlpha(color, alpha),
    backgroundColor: color,
    borderWidth: line.raw ? 1 : line.train ? 1.25 : 2,
    borderDash: line.dashed ? [5, 4] : [],
    pointRadius: markers && isMarkedLine(line) ? 2 : 0,
    pointHoverRadius: 0,
    spanGaps: true,
    tension: 0,
    order: line.faded ? 2 : line.raw ? 1 : 0,
  };
}

/**
 * A group's band as two datasets: its low edge (not drawn), then its high edge filled down to the low one. Drawn
 * behind every line; a point where no run of the group has a value leaves a gap in the band.
 */
function bandDatasets(line: ChartLine, theme: ThemeColors): ChartDataset<'line', { x: number; y: number | null }[]>[] {
  const group = line.group;
  if (group === undefined) return [];
  const color = runColor(theme, line.colorIndex);
  const edge = (values: readonly (number | null)[]): { x: number; y: number | null }[] => line.points.map((point, i) => ({ x: point.x, y: values[i] ?? null }));
  const common = { borderWidth: 0, pointRadius: 0, pointHoverRadius: 0, spanGaps: false, tension: 0, order: 3 };
  return [
    { ...common, label: `${line.label} (low)`, data: edge(group.low), fill: false },
    { ...common, label: `${line.label} (high)`, data: edge(group.high), fill: '-1', backgroundColor: withAlpha(color, line.faded ? 0.05 : 0.18) },
  ];
}

/** The annotation plugin's options for what chartData decided to mark; their labels are drawn apart (chartLabels.ts). */
export function toAnnotations(annotations: readonly ChartAnnotation[], theme: ThemeColors): Record<string, AnnotationOptions> {
  const result: Record<string, AnnotationOptions> = {};
  annotations.forEach((annotation, index) => {
    const color = runColor(theme, annotation.colorIndex);
    switch (annotation.kind) {
      case 'best-gap':
        result[`gap${index}`] = {
          type: 'box',
          xMin: annotation.from,
          xMax: annotation.to,
          backgroundColor: withAlpha(color, 0.1),
          borderWidth: 0,
          drawTime: 'beforeDatasetsDraw',
        };
        break;
      case 'warning-start':
        result[`warning${index}`] = { type: 'line', xMin: annotation.x, xMax: annotation.x, borderColor: theme.warning, borderWidth: 1, borderDash: [4, 3] };
        break;
      case 'best-loss':
      case 'best-accuracy':
        result[`best${index}`] = {
          type: 'point',
          xValue: annotation.x,
          yValue: annotation.y,
          pointStyle: 'triangle',
          rotation: annotation.kind === 'best-loss' ? 180 : 0,
          radius: 6,
          backgroundColor: color,
          borderColor: theme.foreground,
          borderWidth: 1,
        };
        break;
    }
  });
  return result;
}

/** One chart of the set; all share the x axis, its range and the crosshair. */
export class MetricChart {
  private readonly chart: LineChart;
  private readonly overlay: Overlay;
  private readonly labels: LabelState;
  private frame: ChartFrame | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly yTitle: string,
    theme: ThemeColors,
    events: ChartEvents,
  ) {
    this.overlay = { crosshair: null, theme };
    this.labels = { annotations: [], theme, drawn: [] };
    const range = (chart: { chart: Chart }): void => {
      const x = chart.chart.scales['x'];
      if (x !== undefined) events.onRange({ min: x.min, max: x.max });
    };
    this.chart = new LineChart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [backgroundPlugin(this.overlay), crosshairPlugin(this.overlay, events), labelsPlugin(this.labels)],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        events: ['mousemove', 'mouseout', 'click'],
        plugins: {
          tooltip: { enabled: false },
          legend: { display: false },
          zoom: {
            zoom: {
              drag: { enabled: true, threshold: 5 },
              wheel: { enabled: true, modifierKey: 'ctrl' },
              pinch: { enabled: true },
              mode: 'x',
              onZoomComplete: range,
            },
            pan: { enabled: true, mode: 'x', modifierKey: 'shift', onPanComplete: range },
          },
        },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' } },
          y: { type: 'linear', title: { display: true, text: yTitle } },
        },
      },
    });
    canvas.addEventListener('dblclick', () => events.onRange(null));
    this.applyTheme(theme);
  }

  applyTheme(theme: ThemeColors): void {
    this.overlay.theme = theme;
    this.labels.theme = theme;
    const scales = this.chart.options.scales ?? {};
    for (const scale of [scales['x'], scales['y']]) {
      if (scale === undefined) continue;
      scale.grid = { color: theme.grid };
      scale.ticks = { ...scale.ticks, color: theme.foreground };
      if ('title' in scale && scale.title !== undefined) scale.title.color = theme.foreground;
    }
    if (this.frame !== undefined) this.render(this.frame);
  }

  render(frame: ChartFrame): void {
    this.frame = frame;
    const { theme } = this.overlay;
    const marked = pointMarkers(frame.lines);
    const markers = marked <= MAX_MARKERS;
    this.chart.data.datasets = [...frame.lines.flatMap((line) => bandDatasets(line, theme)), ...frame.lines.map((line) => toDataset(line, theme, markers))];
    const annotation = this.chart.options.plugins?.annotation;
    const annotations = toAnnotations(frame.annotations, theme);
    this.labels.annotations = frame.annotations;
    if (annotation === undefined) this.chart.options.plugins = { ...this.chart.options.plugins, annotation: { annotations } };
    else annotation.annotations = annotations;
    this.chart.options.scales = {
      x: {
        type: 'linear',
        min: frame.xRange?.min,
        max: frame.xRange?.max,
        title: { display: true, text: X_AXIS_LABELS[frame.xMode], color: theme.foreground },
        grid: { color: theme.grid },
        ticks: { color: theme.foreground, maxRotation: 0, callback: (value) => formatX(Number(value), frame.xMode) },
      },
      y: {
        type: frame.log ? 'logarithmic' : 'linear',
        title: { display: true, text: (frame.yTitle ?? this.yTitle) + (frame.log ? ' (log)' : ''), color: theme.foreground },
        grid: { color: theme.grid },
        // A log axis keeps Chart.js's own callback, which leaves the minor ticks unlabelled.
        ticks: frame.log ? { color: theme.foreground } : { color: theme.foreground, callback: (value) => formatTick(Number(value)) },
      },
    };
    this.canvas.dataset['annotations'] = String(frame.annotations.length);
    // Read by tests: how many point markers the chart draws (none once they would bury the lines).
    this.canvas.dataset['markers'] = String(markers ? marked : 0);
    this.canvas.dataset['bands'] = String(frame.lines.filter((line) => line.group !== undefined).length);
    this.chart.update('none');
  }

  setCrosshair(x: number | null): void {
    if (this.overlay.crosshair === x) return;
    this.overlay.crosshair = x;
    this.chart.draw();
  }

  /** The plot area and the labels drawn in it, in CSS pixels of the canvas: the crosshair tooltip keeps off them. */
  labelLayout(): { area: Box; labels: Box[] } {
    const { left, top, right, bottom } = this.chart.chartArea;
    return { area: { x: left, y: top, width: right - left, height: bottom - top }, labels: this.labels.drawn.map((label) => label.box) };
  }

  /** The chart as drawn, for export. */
  toPng(): string {
    return this.chart.toBase64Image('image/png', 1);
  }

  /** Pixels per x unit, so the crosshair can say how near a point must be to count as "at" the pointer. */
  xUnitsPerPixel(): number {
    const x = this.chart.scales['x'];
    return x === undefined || x.width === 0 ? 1 : (x.max - x.min) / x.width;
  }
}
