import { smoothDebiased } from '../src/core/analysis/smoothing';
import type { RunView, SeriesData } from '../src/core/runView';
import type { UiState } from './uiState';

export interface XY {
  readonly x: number;
  readonly y: number | null;
}

/** One drawn line. Raw lines are drawn faint behind their smoothed line, as TensorBoard does. */
export interface ChartLine {
  readonly runId: string;
  readonly label: string;
  readonly colorIndex: number;
  readonly raw: boolean;
  readonly dashed: boolean;
  readonly points: readonly XY[];
}

/** A step worth marking on a curve: a run's best checkpoint by loss or by accuracy. */
export interface StepMarker {
  readonly colorIndex: number;
  readonly step: number;
  readonly kind: 'best-loss' | 'best-accuracy';
  readonly label: string;
}

/** A stretch of steps a warning is about, shaded on the charts. */
export interface WarningRegion {
  readonly colorIndex: number;
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export interface ChartModel {
  readonly loss: readonly ChartLine[];
  readonly accuracy: readonly ChartLine[];
  readonly markers: readonly StepMarker[];
  readonly regions: readonly WarningRegion[];
}

function linesFor(run: RunView, series: SeriesData | null, colorIndex: number, smoothing: number, dashed: boolean, scale: number): ChartLine[] {
  if (series === null || series.steps.length === 0) return [];
  const values = series.values.map((value) => (value === null ? Number.NaN : value * scale));
  const toPoints = (ys: readonly number[]): XY[] => series.steps.map((x, i) => ({ x, y: Number.isFinite(ys[i]) ? (ys[i] as number) : null }));
  const name = `${run.label} · ${series.key}`;
  const smoothed: ChartLine = { runId: run.id, label: name, colorIndex, raw: false, dashed, points: toPoints(smoothing > 0 ? smoothDebiased(values, smoothing) : values) };
  if (smoothing <= 0) return [smoothed];
  return [{ runId: run.id, label: `${name} (raw)`, colorIndex, raw: true, dashed, points: toPoints(values) }, smoothed];
}

/** Accuracies are logged as fractions or as percentages; the chart shows percent, so fractions are scaled. */
export function percentScaleOf(series: SeriesData | null): number {
  return series !== null && series.values.some((value) => value !== null && value > 1.5) ? 1 : 100;
}

/** Shapes runs into what the two charts draw. Colours follow the run's place among all runs, hidden or not, so they never shift. */
export function buildChartModel(runs: readonly RunView[], ui: UiState): ChartModel {
  const loss: ChartLine[] = [];
  const accuracy: ChartLine[] = [];
  const markers: StepMarker[] = [];
  const regions: WarningRegion[] = [];
  runs.forEach((run, colorIndex) => {
    if (ui.hiddenRunIds.includes(run.id)) return;
    loss.push(...linesFor(run, run.evalLoss, colorIndex, ui.smoothing, false, 1));
    if (ui.showTrainLoss) loss.push(...linesFor(run, run.trainLoss, colorIndex, ui.smoothing, true, 1));
    accuracy.push(...linesFor(run, run.evalAccuracy, colorIndex, ui.smoothing, false, percentScaleOf(run.evalAccuracy)));
    const { byLoss, byAccuracy } = run.best;
    if (byLoss !== null && byAccuracy !== null && byLoss.step !== byAccuracy.step) {
      markers.push({ colorIndex, step: byLoss.step, kind: 'best-loss', label: `best loss (step ${byLoss.step})` });
      markers.push({ colorIndex, step: byAccuracy.step, kind: 'best-accuracy', label: `best accuracy (step ${byAccuracy.step})` });
    }
    for (const warning of run.warnings) {
      const from = warning.evidence['bestLossStep'];
      if (warning.kind === 'misleading-loss' && from !== undefined) regions.push({ colorIndex, from, to: warning.step, label: 'loss misleads' });
    }
  });
  return { loss, accuracy, markers, regions };
}

/** Finite points drawn, counting each series once (its smoothed line), for tests and the screen reader summary. */
export function pointCount(lines: readonly ChartLine[]): number {
  return lines.filter((line) => !line.raw).reduce((sum, line) => sum + line.points.filter((point) => point.y !== null).length, 0);
}
