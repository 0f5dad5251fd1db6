import type { Chart, Plugin } from 'chart.js';
import type { ChartAnnotation } from './chartData';
import { candidates, placeLabels, type Box, type LabelAnchor } from './labelLayout';
import { runColor, type ThemeColors } from './theme';

/** A label as drawn: its box in CSS pixels, its text and the colours of the runs it speaks for. */
export interface DrawnLabel {
  readonly box: Box;
  readonly text: string;
  readonly colors: readonly string[];
}

/** What the labels plugin reads (the chart's annotations and theme) and writes (where the labels went). */
export interface LabelState {
  annotations: readonly ChartAnnotation[];
  theme: ThemeColors;
  drawn: DrawnLabel[];
}

const FONT_SIZE = 10;
const HEIGHT = 14;
const PADDING = 3;
const SWATCH = 7;
/** Triangles of the best checkpoints are drawn with this radius; labels keep off them. */
const MARKER_RADIUS = 7;

interface Pending {
  readonly anchor: LabelAnchor;
  readonly text: string;
  readonly colors: string[];
}

/** Each annotation's label and where it belongs, in pixels; labels with the same text at the same place merge. */
function pendingLabels(chart: Chart, annotations: readonly ChartAnnotation[], theme: ThemeColors): Pending[] {
  const x = chart.scales['x'];
  const y = chart.scales['y'];
  if (x === undefined || y === undefined) return [];
  const { left, right } = chart.chartArea;
  const byPlace = new Map<string, Pending>();
  // Warnings first, then best stretches, then best points: when room runs out, the least telling go.
  const order: Readonly<Record<ChartAnnotation['kind'], number>> = { 'warning-start': 0, 'best-gap': 1, 'best-loss': 2, 'best-accuracy': 2 };
  for (const annotation of [...annotations].sort((a, b) => order[a.kind] - order[b.kind])) {
    let anchor: LabelAnchor;
    let text = annotation.label;
    switch (annotation.kind) {
      case 'warning-start':
        anchor = { at: 'top', x: x.getPixelForValue(annotation.x), center: false };
        break;
      case 'best-gap':
        anchor = { at: 'bottom', x: x.getPixelForValue((Math.max(annotation.from, x.min) + Math.min(annotation.to, x.max)) / 2), center: true };
        break;
      case 'best-loss':
      case 'best-accuracy':
        anchor = { at: annotation.kind === 'best-loss' ? 'above' : 'below', x: x.getPixelForValue(annotation.x), y: y.getPixelForValue(annotation.y) };
        text = annotation.kind === 'best-loss' ? '▼ best loss' : '▲ best acc';
        break;
    }
    if (anchor.x < left || anchor.x > right) continue;
    const key = `${anchor.at}|${Math.round(anchor.x)}|${'y' in anchor ? Math.round(anchor.y) : ''}|${text}`;
    const color = runColor(theme, annotation.colorIndex);
    const known = byPlace.get(key);
    if (known === undefined) byPlace.set(key, { anchor, text, colors: [color] });
    else if (!known.colors.includes(color)) known.colors.push(color);
  }
  return [...byPlace.values()];
}

function markerBoxes(chart: Chart, annotations: readonly ChartAnnotation[]): Box[] {
  const x = chart.scales['x'];
  const y = chart.scales['y'];
  if (x === undefined || y === undefined) return [];
  return annotations.flatMap((annotation) =>
    annotation.kind === 'best-loss' || annotation.kind === 'best-accuracy'
      ? [
          {
            x: x.getPixelForValue(annotation.x) - MARKER_RADIUS,
            y: y.getPixelForValue(annotation.y) - MARKER_RADIUS,
            width: 2 * MARKER_RADIUS,
            height: 2 * MARKER_RADIUS,
          },
        ]
      : [],
  );
}

/**
 * Draws the annotations' labels where none overlaps another or a best-checkpoint marker: rows stacked at
 * the top (warnings) and bottom (best stretches), best-point labels moved away from each other. Text is in
 * the theme's foreground on its background, the runs named by colour swatches, so every theme reads it.
 */
export function labelsPlugin(state: LabelState): Plugin<'line'> {
  return {
    id: 'labels',
    afterDraw(chart) {
      const { ctx, chartArea } = chart;
      const { theme } = state;
      ctx.save();
      ctx.font = `${FONT_SIZE}px ${theme.font}`;
      const pending = pendingLabels(chart, state.annotations, theme);
      const sizes = pending.map((label) => PADDING * 2 + label.colors.length * (SWATCH + 2) + ctx.measureText(label.text).width);
      const area = { x: chartArea.left, y: chartArea.top, width: chartArea.right - chartArea.left, height: chartArea.bottom - chartArea.top };
      const boxes = placeLabels(
        pending.map((label, i) => candidates(label.anchor, sizes[i] ?? 0, HEIGHT, area)),
        area,
        markerBoxes(chart, state.annotations),
      );
      state.drawn = pending.flatMap((label, i) => {
        const box = boxes[i];
        return box === null || box === undefined ? [] : [{ box, text: label.text, colors: label.colors }];
      });
      ctx.textBaseline = 'middle';
      for (const { box, text, colors } of state.drawn) {
        ctx.globalAlpha = 0.9;
        ctx.fillStyle = theme.background;
        ctx.fillRect(box.x, box.y, box.width, box.height);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = theme.grid;
        ctx.lineWidth = 1;
        ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.width - 1, box.height - 1);
        colors.forEach((color, k) => {
          ctx.fillStyle = color;
          ctx.fillRect(box.x + PADDING + k * (SWATCH + 2), box.y + (HEIGHT - SWATCH) / 2, SWATCH, SWATCH);
        });
        ctx.fillStyle = theme.foreground;
        ctx.fillText(text, box.x + PADDING + colors.length * (SWATCH + 2), box.y + HEIGHT / 2 + 0.5);
      }
      ctx.restore();
      chart.canvas.dataset['labels'] = JSON.stringify(state.drawn.map(({ box, text }) => ({ ...box, text })));
    },
  };
}
