import type { Plugin, Scale } from 'chart.js';
import type { ChartLine } from './chartData';
import { isMarkedLine, lineStyle } from './lineStyle';
import type { ThemeColors } from './theme';

/** What the layer draws: lines styled as their datasets would be (see lineStyle.ts), under every dataset. */
export interface LayerState {
  lines: readonly ChartLine[];
  theme: ThemeColors;
  /** Whether sparse lines carry a marker on each point, decided for the whole chart. */
  markers: boolean;
}

/** Faded lines lowest, then the faint raw lines, then the rest: the order Chart.js draws their datasets in. */
function depth(line: ChartLine): number {
  return line.faded ? 0 : line.raw ? 1 : 2;
}

function strokeLine(ctx: CanvasRenderingContext2D, line: ChartLine, theme: ThemeColors, x: Scale, y: Scale, markers: boolean): void {
  const style = lineStyle(line, theme);
  ctx.strokeStyle = style.stroke;
  ctx.lineWidth = style.width;
  ctx.setLineDash(style.dash);
  ctx.beginPath();
  let started = false;
  // Gaps are spanned, as the datasets' spanGaps.
  for (const point of line.points) {
    if (point.y === null) continue;
    const px = x.getPixelForValue(point.x);
    const py = y.getPixelForValue(point.y);
    if (started) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
    started = true;
  }
  ctx.stroke();
  if (!markers || !isMarkedLine(line)) return;
  ctx.fillStyle = style.color;
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
  for (const point of line.points) {
    if (point.y === null) continue;
    ctx.beginPath();
    ctx.arc(x.getPixelForValue(point.x), y.getPixelForValue(point.y), 2, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/**
 * Draws the layer's lines beneath the datasets, clipped to the plot area, at each draw of the chart. Straight onto
 * the chart's canvas: a copy kept in a canvas of its own cost more to copy (70 ms a draw in headless Chromium) than
 * the lines cost to stroke (about 10 ms for 1,000 runs' coarse lines).
 */
export function layerPlugin(state: LayerState): Plugin<'line'> {
  return {
    id: 'layer',
    beforeDatasetsDraw(chart) {
      const { x, y } = chart.scales;
      if (state.lines.length === 0 || x === undefined || y === undefined) return;
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.beginPath();
      ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
      ctx.clip();
      const ordered = [...state.lines].sort((a, b) => depth(a) - depth(b));
      for (const line of ordered) strokeLine(ctx, line, state.theme, x, y, state.markers);
      ctx.restore();
    },
  };
}
