import type { ChartLine } from './chartData';
import { runColor, withAlpha, type ThemeColors } from './theme';

/** A line of more points than this is dense: its markers would merge into the line and say nothing more. */
const MAX_MARKED_POINTS = 60;

/** Whether the line would carry a marker on each point: a sparse line of values, not a raw one (the faint unsmoothed trace). */
export function isMarkedLine(line: ChartLine): boolean {
  return !line.raw && line.points.length <= MAX_MARKED_POINTS;
}

/** How a line is stroked, the same whether it is a Chart.js dataset or drawn on the layer beneath them (layerLines.ts). */
export interface LineStyle {
  /** The run's colour, which its markers are filled with. */
  readonly color: string;
  /** The colour the line is stroked in: faint for a raw trace, fainter still for a faded run. */
  readonly stroke: string;
  readonly width: number;
  readonly dash: number[];
}

export function lineStyle(line: ChartLine, theme: ThemeColors): LineStyle {
  const color = runColor(theme, line.colorIndex);
  const alpha = (line.raw ? 0.25 : 1) * (line.faded ? 0.2 : 1);
  return {
    color,
    stroke: alpha === 1 ? color : withAlpha(color, alpha),
    width: line.raw ? 1 : line.train ? 1.25 : 2,
    dash: line.dashed ? [5, 4] : [],
  };
}
