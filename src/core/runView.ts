import type { RunSnapshot, RunSource } from './runStore';
import type { Series } from './types';
import { analyzeRun, latestTwo, type CheckpointPick } from './analysis/runAnalysis';
import { ACCURACY_DEFINITION_TEXT, type RoleOverrides } from './analysis/metricRoles';
import type { Warning } from './analysis/warning';
import type { AccuracyMeasure } from './analysis/accuracyMeasure';
import { downsampleMinMax } from './downsample';
import { checkpointToKeep } from './checkpoints';
import type { AnalysisCache } from './analysis/analysisCache';
import { warningsInXUnit, type XUnit } from './xUnit';

/** A series as it crosses to the webview: non-finite values become null (JSON has no NaN). */
export interface SeriesData {
  readonly key: string;
  readonly steps: readonly number[];
  readonly values: readonly (number | null)[];
  /** Points in the store before downsampling: more than `steps.length` means detail can be asked for. */
  readonly total: number;
}

/** Everything a view shows of one run; built from the store and the analysis, never from files. */
export interface RunView {
  readonly id: string;
  readonly label: string;
  readonly evalLoss: SeriesData | null;
  readonly evalAccuracy: SeriesData | null;
  readonly trainLoss: SeriesData | null;
  readonly accuracyDefinition: string | null;
  /** The eval accuracy's scale (fraction or percent) and whether it is per token: decided once, used by every view. */
  readonly accuracyMeasure: AccuracyMeasure | null;
  /** Why TRL's logged token accuracy and the computed one differ, when the run has both and they do. */
  readonly accuracyNote: string | null;
  readonly latest: { readonly step: number; readonly accuracy: number; readonly previousAccuracy: number | null; readonly loss: number | null } | null;
  readonly best: { readonly byLoss: CheckpointPick | null; readonly byAccuracy: CheckpointPick | null };
  readonly warnings: readonly Warning[];
  /** Every metric key the run logged, as the log spelled it, for the panel's choice of what to draw. */
  readonly keys: readonly string[];
  readonly sources: readonly RunSource[];
  /** Epoch and wall-clock time (seconds) by step, downsampled; null when the logs do not give them. */
  readonly axes: { readonly epoch: SeriesData | null; readonly wallTime: SeriesData | null };
  /** When the run's files were last written (ms since 1970, host clock), if the host knows. */
  readonly updatedAt: number | null;
  /** The steps of the `checkpoint-N` folders in the run's folder, ascending; empty when it has none (or is no HF output_dir). */
  readonly checkpointsOnDisk: readonly number[];
  /** The checkpoint on disk to keep by accuracy: the best-by-accuracy step's, else the best evaluated one left; null when none. */
  readonly checkpointToKeep: number | null;
  /** The run's hyperparameters as its files gave them (W&B config, MLflow params, Lightning hparams); empty when none. */
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  /** What the run's steps count, as its reader decided: `epoch` where its logs give no step (a notebook's printed dicts, Keras). */
  readonly xUnit: XUnit;
}

/** Points per series sent to the webview; min/max-preserving, so spikes and NaNs survive. */
export const MAX_POINTS_PER_SERIES = 2000;

/** Converts a series for the webview, downsampling it to at most `maxPoints` (min/max per bucket). */
export function seriesData(key: string, series: Series, maxPoints = MAX_POINTS_PER_SERIES): SeriesData {
  const reduced = downsampleMinMax(series, maxPoints);
  return { key, steps: reduced.steps, values: reduced.values.map((value) => (Number.isFinite(value) ? value : null)), total: series.steps.length };
}

function toData(key: string | null, run: RunSnapshot): SeriesData | null {
  if (key === null) return null;
  const series = run.metrics.get(key);
  return series === undefined ? null : seriesData(key, series);
}

function axisData(key: string, series: Series | undefined): SeriesData | null {
  return series === undefined || series.steps.length === 0 ? null : seriesData(key, series);
}

function latestLossAt(series: Series | undefined, step: number): number | null {
  if (series === undefined) return null;
  const index = series.steps.lastIndexOf(step);
  const value = index < 0 ? undefined : series.values[index];
  return value !== undefined && Number.isFinite(value) ? value : null;
}

export function buildRunView(
  run: RunSnapshot,
  label: string,
  overrides: RoleOverrides = {},
  updatedAt: number | null = null,
  checkpoints: readonly number[] = [],
  parameters: Readonly<Record<string, string | number | boolean>> = {},
  cache?: AnalysisCache,
  xUnit: XUnit = 'step',
): RunView {
  const analysis = analyzeRun(run, overrides, checkpoints, cache);
  const { roles } = analysis;
  const accuracy = roles.evalAccuracy === null ? undefined : latestTwo(run.metrics.get(roles.evalAccuracy));
  return {
    id: run.id,
    label,
    evalLoss: toData(roles.evalLoss, run),
    evalAccuracy: toData(roles.evalAccuracy, run),
    trainLoss: toData(roles.trainLoss, run),
    accuracyDefinition: analysis.accuracyDefinition === null ? null : ACCURACY_DEFINITION_TEXT[analysis.accuracyDefinition],
    accuracyMeasure: analysis.accuracyMeasure,
    accuracyNote: analysis.accuracyComparison?.explanation ?? null,
    latest:
      accuracy === undefined
        ? null
        : {
            step: accuracy.step,
            accuracy: accuracy.latest,
            previousAccuracy: accuracy.previous ?? null,
            loss: roles.evalLoss === null ? null : latestLossAt(run.metrics.get(roles.evalLoss), accuracy.step),
          },
    best: analysis.best,
    warnings: warningsInXUnit(analysis.warnings, xUnit),
    keys: [...run.metrics.keys()],
    sources: run.sources,
    axes: { epoch: axisData('epoch', run.axes?.epoch), wallTime: axisData('wallTime', run.axes?.wallTime) },
    updatedAt,
    checkpointsOnDisk: checkpoints,
    checkpointToKeep: checkpointToKeep(analysis.evalPoints, checkpoints) ?? null,
    parameters,
    xUnit,
  };
}
