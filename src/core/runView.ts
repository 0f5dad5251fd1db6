import type { RunSnapshot } from './runStore';
import type { Series } from './types';
import { analyzeRun, latestTwo, type CheckpointPick } from './analysis/runAnalysis';
import { ACCURACY_DEFINITION_TEXT, type RoleOverrides } from './analysis/metricRoles';
import type { Warning } from './analysis/warning';
import { downsampleMinMax } from './downsample';

/** A series as it crosses to the webview: non-finite values become null (JSON has no NaN). */
export interface SeriesData {
  readonly key: string;
  readonly steps: readonly number[];
  readonly values: readonly (number | null)[];
}

/** Everything a view shows of one run; built from the store and the analysis, never from files. */
export interface RunView {
  readonly id: string;
  readonly label: string;
  readonly evalLoss: SeriesData | null;
  readonly evalAccuracy: SeriesData | null;
  readonly trainLoss: SeriesData | null;
  readonly accuracyDefinition: string | null;
  readonly latest: { readonly step: number; readonly accuracy: number; readonly previousAccuracy: number | null; readonly loss: number | null } | null;
  readonly best: { readonly byLoss: CheckpointPick | null; readonly byAccuracy: CheckpointPick | null };
  readonly warnings: readonly Warning[];
}

/** Points per series sent to the webview; min/max-preserving, so spikes and NaNs survive. */
export const MAX_POINTS_PER_SERIES = 2000;

function toData(key: string | null, run: RunSnapshot): SeriesData | null {
  if (key === null) return null;
  const series = run.metrics.get(key);
  if (series === undefined) return null;
  const reduced = downsampleMinMax(series, MAX_POINTS_PER_SERIES);
  return { key, steps: reduced.steps, values: reduced.values.map((value) => (Number.isFinite(value) ? value : null)) };
}

function latestLossAt(series: Series | undefined, step: number): number | null {
  if (series === undefined) return null;
  const index = series.steps.lastIndexOf(step);
  const value = index < 0 ? undefined : series.values[index];
  return value !== undefined && Number.isFinite(value) ? value : null;
}

export function buildRunView(run: RunSnapshot, label: string, overrides: RoleOverrides = {}): RunView {
  const analysis = analyzeRun(run, overrides);
  const { roles } = analysis;
  const accuracy = roles.evalAccuracy === null ? undefined : latestTwo(run.metrics.get(roles.evalAccuracy));
  return {
    id: run.id,
    label,
    evalLoss: toData(roles.evalLoss, run),
    evalAccuracy: toData(roles.evalAccuracy, run),
    trainLoss: toData(roles.trainLoss, run),
    accuracyDefinition: analysis.accuracyDefinition === null ? null : ACCURACY_DEFINITION_TEXT[analysis.accuracyDefinition],
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
    warnings: analysis.warnings,
  };
}
