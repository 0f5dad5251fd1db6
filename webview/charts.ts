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
import { layerPlugin, type LayerState } from './layerLines';
import type { Box } from './labelLayout';
import { runColor, withAlpha, type ThemeColors } from './theme';
import { formatTick } from './tickFormat';
import { formatX, X_AXIS_LABELS, type XAxisMode } from './xAxis';
import { isMarkedLine, lineStyle } from './lineStyle';

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
  /**
   * While the charts fill in, the lines still to come: the value axis and the markers are decided with them from the
   * first frame, so that neither changes under the user and the lines drawn keep their places (see skipUnchangedPlugin).
   */
  readonly pending?: readonly ChartLine[];
  /** Lines drawn beneath the datasets on a plain layer, when there are many runs (see ProgressiveFill). */
  readonly layer?: readonly ChartLine[];
}

/**
 * The lowest and highest values of the lines (their bands' included) within `xRange`, as Chart.js fits its value
 * axis to the datasets' points inside the shown steps: a zoom fits the value axis to what it shows. Undefined
 * when they have none there.
 */
function valueBounds(lines: readonly ChartLine[], xRange: XRange | undefined): { min: number; max: number } | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const take = (y: number | null | undefined): void => {
    if (y === null || y === undefined || !Number.isFinite(y)) return;
    if (y < min) min = y;
    if (y > max) max = y;
  };
  const from = xRange?.min ?? Number.NEGATIVE_INFINITY;
  const to = xRange?.max ?? Number.POSITIVE_INFINITY;
  for (const line of lines) {
    const { points, group } = line;
    for (let i = 0; i < points.length; i++) {
      const point = points[i] as ChartLine['points'][number];
      if (point.x < from || point.x > to) continue;
      take(point.y);
      take(group?.low[i]);
      take(group?.high[i]);
    }
  }
  return min <= max ? { min, max } : undefined;
}

type Point = { x: number; y: number | null };

/**
 * Chart.js finds a dataset's meta by scanning every meta it holds, and its update, its filler and its draw ask once
 * per dataset: quadratic, 0.64 s of the first draw with 1,000 runs (4,000 lines). This chart remembers each dataset's
 * meta. `render` keeps a line's dataset object from frame to frame while the line is the same (see datasetsFor), so a
 * new dataset list keeps the metas of the datasets it shares with the last one: Chart.js drops only the metas of
 * datasets gone from the list (this never changes a dataset's type, the only other reason it drops one).
 */
/** The parts of Chart.js's chart that _removeUnreferencedMetasets uses, as Chart.js 4 has them. */
interface ChartInternals {
  readonly _metasets: readonly { readonly _dataset: unknown }[];
  _stacks?: unknown;
  _destroyDatasetMeta(index: number): void;
}

class LineChart extends Chart<'line', Point[]> {
  private metas: { datasets: readonly unknown[]; byDataset: Map<unknown, ChartMeta> } | undefined;

  /**
   * Chart.js's own, with a set of the datasets in place of a scan of all of them for each meta: 16 million comparisons
   * at each update with 4,000 lines (0.18 s of the first draw and its slices). Not in Chart.js's types: it is called by
   * name from its update, as this subclass's getDatasetMeta is.
   */
  _removeUnreferencedMetasets(): void {
    const internals = this as unknown as ChartInternals;
    const datasets = new Set<unknown>(this.data.datasets);
    if (internals._metasets.length > datasets.size) delete internals._stacks;
    internals._metasets.forEach((meta, index) => {
      if (!datasets.has(meta._dataset)) internals._destroyDatasetMeta(index);
    });
  }

  override getDatasetMeta(datasetIndex: number): ChartMeta {
    const datasets = this.data.datasets;
    if (this.metas?.datasets !== datasets) {
      const previous = this.metas?.byDataset;
      const byDataset = new Map<unknown, ChartMeta>();
      for (const dataset of datasets) {
        const meta = previous?.get(dataset);
        if (meta !== undefined) byDataset.set(dataset, meta);
      }
      this.metas = { datasets, byDataset };
    }
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

/**
 * Counts on the canvas, for tests, the chart's updates and the datasets they placed (each placed dataset costs its
 * options resolved and every point placed: the cost of a draw with many runs).
 */
function countsPlugin(): Plugin<'line'> {
  const counts = { updates: 0, placed: 0 };
  return {
    id: 'counts',
    afterDatasetUpdate() {
      counts.placed++;
    },
    afterUpdate(chart) {
      counts.updates++;
      chart.canvas.dataset['updates'] = String(counts.updates);
      chart.canvas.dataset['placed'] = String(counts.placed);
    },
  };
}

/**
 * Leaves a dataset's points where the last update placed them when nothing they are placed by has changed: the same
 * dataset (a line's dataset object is kept while the line is the same), the same axes and the same plot area. Chart.js
 * places every point of every dataset at each update; adding runs in slices would otherwise place the first ones again
 * at every slice. Any change of zoom, axis, size or data places them again.
 */
function skipUnchangedPlugin(): Plugin<'line'> {
  const placed = new WeakMap<object, string>();
  // The axes and the plot area of this update, laid out before any dataset is placed.
  let placement = '';
  return {
    id: 'skipUnchanged',
    beforeDatasetsUpdate(chart) {
      const { x, y } = chart.scales;
      const { left, top, right, bottom } = chart.chartArea;
      placement = [x?.type, x?.min, x?.max, y?.type, y?.min, y?.max, left, top, right, bottom].join(' ');
    },
    beforeDatasetUpdate(_chart, args) {
      return args.mode === 'reset' || placed.get(args.meta) !== placement;
    },
    afterDatasetUpdate(_chart, args) {
      placed.set(args.meta, placement);
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

/**
 * Past this many markers in one chart they no longer carry information and cost most of the drawing: with 1,000 runs,
 * 84,000 markers took 1.3 s of a 2.2 s first draw. A dozen runs' sparse eval curves (about 1,500) keep theirs.
 */
const MAX_MARKERS = 3000;

/** The markers the chart's sparse lines would carry, one on each point. */
function pointMarkers(lines: readonly ChartLine[]): number {
  let markers = 0;
  for (const line of lines) if (isMarkedLine(line)) markers += line.points.length;
  return markers;
}

type LineDataset = ChartDataset<'line', Point[]>;

function toDataset(line: ChartLine, theme: ThemeColors, markers: boolean): LineDataset {
  const style = lineStyle(line, theme);
  return {
    label: line.label,
    data: line.points as { x: number; y: number | null }[],
    borderColor: style.stroke,
    backgroundColor: style.color,
    borderWidth: style.width,
    borderDash: style.dash,
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
function bandDatasets(line: ChartLine, theme: ThemeColors): LineDataset[] {
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
  private readonly layer: LayerState;
  private frame: ChartFrame | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly yTitle: string,
    theme: ThemeColors,
    events: ChartEvents,
  ) {
    this.overlay = { crosshair: null, theme };
    this.labels = { annotations: [], theme, drawn: [] };
    this.layer = { lines: [], theme, markers: true };
    const range = (chart: { chart: Chart }): void => {
      const x = chart.chart.scales['x'];
      if (x !== undefined) events.onRange({ min: x.min, max: x.max });
    };
    this.chart = new LineChart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [
        backgroundPlugin(this.overlay),
        layerPlugin(this.layer),
        crosshairPlugin(this.overlay, events),
        labelsPlugin(this.labels),
        countsPlugin(),
        skipUnchangedPlugin(),
      ],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        events: ['mousemove', 'mouseout', 'click'],
        plugins: {
          tooltip: { enabled: false },
          // Registered for the calibration chart, a hidden legend still labels every dataset at each update,
          // resolving its style (0.23 s of a first draw with 1,000 runs): it gets no labels to make.
          legend: { display: false, labels: { generateLabels: () => [] } },
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
    this.layer.theme = theme;
    const scales = this.chart.options.scales ?? {};
    for (const scale of [scales['x'], scales['y']]) {
      if (scale === undefined) continue;
      scale.grid = { color: theme.grid };
      scale.ticks = { ...scale.ticks, color: theme.foreground };
      if ('title' in scale && scale.title !== undefined) scale.title.color = theme.foreground;
    }
    if (this.frame !== undefined) this.render(this.frame);
  }

  /** Each line's datasets (its band's, then its own) as last made, and the theme and markers they were made with. */
  private datasets = new WeakMap<ChartLine, { theme: ThemeColors; markers: boolean; bands: LineDataset[]; line: LineDataset }>();

  private datasetsFor(line: ChartLine, theme: ThemeColors, markers: boolean): { bands: LineDataset[]; line: LineDataset } {
    const known = this.datasets.get(line);
    if (known !== undefined && known.theme === theme && known.markers === markers) return known;
    const made = { theme, markers, bands: bandDatasets(line, theme), line: toDataset(line, theme, markers) };
    this.datasets.set(line, made);
    return made;
  }

  render(frame: ChartFrame): void {
    this.frame = frame;
    const { theme } = this.overlay;
    const pending = frame.pending ?? [];
    const layer = frame.layer ?? [];
    const marked = pointMarkers(frame.lines) + pointMarkers(layer);
    const markers = marked + pointMarkers(pending) <= MAX_MARKERS;
    // The layer's lines and those to come are no datasets: the value axis is told their values.
    const yBounds = pending.length === 0 && layer.length === 0 ? undefined : valueBounds([...frame.lines, ...layer, ...pending], frame.xRange);
    this.layer.lines = layer;
    this.layer.markers = markers;
    const made = frame.lines.map((line) => this.datasetsFor(line, theme, markers));
    this.chart.data.datasets = [...made.flatMap((datasets) => datasets.bands), ...made.map((datasets) => datasets.line)];
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
        suggestedMin: yBounds?.min,
        suggestedMax: yBounds?.max,
        // Read by tests: the value axis as fitted (a zoom fits it to the steps shown, layer lines included).
        afterDataLimits: (scale) => {
          this.canvas.dataset['yMin'] = String(scale.min);
          this.canvas.dataset['yMax'] = String(scale.max);
        },
        title: { display: true, text: (frame.yTitle ?? this.yTitle) + (frame.log ? ' (log)' : ''), color: theme.foreground },
        grid: { color: theme.grid },
        // A log axis keeps Chart.js's own callback, which leaves the minor ticks unlabelled.
        ticks: frame.log ? { color: theme.foreground } : { color: theme.foreground, callback: (value) => formatTick(Number(value)) },
      },
    };
    this.canvas.dataset['annotations'] = String(frame.annotations.length);
    // Read by tests: how many point markers the chart draws (none once they would bury the lines).
    this.canvas.dataset['markers'] = String(markers ? marked : 0);
    this.canvas.dataset['layered'] = String(layer.length);
    this.canvas.dataset['bands'] = String(frame.lines.filter((line) => line.group !== undefined).length);
    // The page's layout may have changed since the last frame (the extra chart shown or hidden beside this one). Its
    // size read now, a resize updates the chart with this frame's datasets; left to the resize observer, it would come
    // after this update and place every dataset a second time (0.3 s with 1,000 runs). Unchanged, it is a layout read.
    const { width, height } = this.chart;
    this.chart.resize();
    if (this.chart.width === width && this.chart.height === height) this.chart.update('none');
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
