import { Chart, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import type { ChartLine, StepMarker, WarningRegion } from './chartData';
import { runColor, withAlpha, type ThemeColors } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);

interface Overlay {
  markers: readonly StepMarker[];
  regions: readonly WarningRegion[];
  theme: ThemeColors;
}

/** Draws the warnings on the curves: shaded stretches where the loss misleads, dashed lines at the best checkpoints. */
function overlayPlugin(overlay: Overlay): Plugin<'line'> {
  return {
    id: 'warningOverlay',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales['x'];
      if (x === undefined) return;
      ctx.save();
      // Several runs can share a stretch or a step: each run's label gets its own line, in the run's colour.
      overlay.regions.forEach((region, index) => {
        const from = Math.max(chartArea.left, x.getPixelForValue(region.from));
        const to = Math.min(chartArea.right, x.getPixelForValue(region.to));
        if (to <= from) return;
        const color = runColor(overlay.theme, region.colorIndex);
        ctx.fillStyle = withAlpha(overlay.theme.warning, 0.1);
        ctx.fillRect(from, chartArea.top, to - from, chartArea.bottom - chartArea.top);
        ctx.fillStyle = color;
        ctx.font = `11px ${overlay.theme.font}`;
        ctx.fillText(`⚠ ${region.label}`, from + 4, chartArea.top + 12 + index * 13);
      });
      const drawn = { 'best-loss': 0, 'best-accuracy': 0 };
      for (const marker of overlay.markers) {
        const px = x.getPixelForValue(marker.step);
        if (px < chartArea.left || px > chartArea.right) continue;
        const color = runColor(overlay.theme, marker.colorIndex);
        ctx.strokeStyle = color;
        ctx.setLineDash(marker.kind === 'best-loss' ? [2, 3] : [6, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = color;
        ctx.font = `10px ${overlay.theme.font}`;
        const text = marker.kind === 'best-loss' ? '▼ best loss' : '▲ best acc';
        const width = ctx.measureText(text).width;
        // Near the right edge the label goes to the left of its line, so that it is never cut off.
        const textX = px + 3 + width > chartArea.right ? px - 3 - width : px + 3;
        const line = drawn[marker.kind]++ * 2 + (marker.kind === 'best-loss' ? 0 : 1);
        ctx.fillText(text, textX, chartArea.bottom - 4 - line * 12);
      }
      ctx.restore();
    },
  };
}

function toDataset(line: ChartLine, theme: ThemeColors): ChartDataset<'line', { x: number; y: number | null }[]> {
  const color = runColor(theme, line.colorIndex);
  return {
    label: line.label,
    data: line.points as { x: number; y: number | null }[],
    borderColor: line.raw ? withAlpha(color, 0.25) : color,
    backgroundColor: color,
    borderWidth: line.raw ? 1 : 2,
    borderDash: line.dashed ? [5, 4] : [],
    pointRadius: line.raw || line.points.length > 60 ? 0 : 2,
    pointHoverRadius: 4,
    spanGaps: true,
    tension: 0,
  };
}

/** One chart of the pair; both share the step axis so that a step lines up across them. */
export class MetricChart {
  private readonly chart: Chart<'line', { x: number; y: number | null }[]>;
  private readonly overlay: Overlay;

  constructor(canvas: HTMLCanvasElement, yTitle: string, theme: ThemeColors) {
    this.overlay = { markers: [], regions: [], theme };
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [overlayPlugin(this.overlay)],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        plugins: { tooltip: { filter: (item) => !String(item.dataset.label).endsWith('(raw)') } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' } },
          y: { type: 'linear', title: { display: true, text: yTitle } },
        },
      },
    });
    this.applyTheme(theme);
  }

  applyTheme(theme: ThemeColors): void {
    this.overlay.theme = theme;
    const scales = this.chart.options.scales ?? {};
    for (const scale of [scales['x'], scales['y']]) {
      if (scale === undefined) continue;
      scale.grid = { color: theme.grid };
      scale.ticks = { color: theme.foreground };
      if ('title' in scale && scale.title !== undefined) scale.title.color = theme.foreground;
    }
  }

  render(lines: readonly ChartLine[], markers: readonly StepMarker[], regions: readonly WarningRegion[], stepRange: { min: number; max: number } | undefined): void {
    this.overlay.markers = markers;
    this.overlay.regions = regions;
    this.chart.data.datasets = lines.map((line) => toDataset(line, this.overlay.theme));
    const x = this.chart.options.scales?.['x'];
    if (x !== undefined) {
      x.min = stepRange?.min;
      x.max = stepRange?.max;
    }
    this.chart.update('none');
  }
}
