import type { RunSnapshot } from '../runStore';
import type { Series } from '../types';
import { accuracyDefinition, assignRoles, gradNormKey, type AccuracyDefinition, type MetricRoles, type RoleOverrides } from './metricRoles';
import { argmax, argmin, joinEvalPoints, type EvalPoints } from './evalPoints';
import { misleadingLoss } from './misleadingLoss';
import { checkpointDisagreement } from './checkpointDisagreement';
import { overfitting } from './overfitting';
import { plateau } from './plateau';
import { instability, scanInputs, type InstabilityInputs, type InstabilityScans } from './instability';
import { lossTurn } from './lossTurn';
import type { AnalysisCache } from './analysisCache';
import type { Warning } from './warning';
import { accuracyMeasure, type AccuracyMeasure } from './accuracyMeasure';
import { compareLoggedAccuracy, type AccuracyComparison } from './accuracyComparison';
import { COMPUTED_KEYS } from '../tokens/evalOutputsFormat';

export interface CheckpointPick {
  readonly step: number;
  readonly loss: number;
  readonly accuracy: number;
}

export interface RunAnalysis {
  readonly roles: MetricRoles;
  readonly accuracyDefinition: AccuracyDefinition | null;
  /** The eval accuracy's scale and whether it is per token, decided once here for every view. */
  readonly accuracyMeasure: AccuracyMeasure | null;
  /** TRL's logged token accuracy against the computed one, when the run has both. */
  readonly accuracyComparison: AccuracyComparison | null;
  readonly evalPoints: EvalPoints;
  readonly best: { readonly byLoss: CheckpointPick | null; readonly byAccuracy: CheckpointPick | null };
  readonly warnings: readonly Warning[];
}

const EMPTY_SERIES: Series = { steps: [], values: [] };

function pickAt(points: EvalPoints, index: number): CheckpointPick {
  return { step: points.steps[index] as number, loss: points.loss[index] as number, accuracy: points.accuracy[index] as number };
}

function instabilityInputs(run: RunSnapshot, roles: MetricRoles): InstabilityInputs {
  const input = (key: string | null): { key: string; series: Series } | undefined => {
    const series = key === null ? undefined : run.metrics.get(key);
    return key === null || series === undefined ? undefined : { key, series };
  };
  const trainLoss = input(roles.trainLoss);
  const evalLoss = input(roles.evalLoss);
  const gradNorm = input(gradNormKey([...run.metrics.keys()]));
  return { ...(trainLoss && { trainLoss }), ...(evalLoss && { evalLoss }), ...(gradNorm && { gradNorm }) };
}

/** The passes over the long series, continued from the cache's where it has them. */
function instabilityScans(run: RunSnapshot, inputs: InstabilityInputs, cache: AnalysisCache | undefined): InstabilityScans {
  if (cache === undefined) return scanInputs(inputs);
  const { trainLoss, evalLoss, gradNorm } = inputs;
  return {
    ...(trainLoss && { trainLoss: cache.scan(run.id, trainLoss.key, trainLoss.series, true, run.growth?.get(trainLoss.key)) }),
    ...(evalLoss && { evalLoss: cache.scan(run.id, evalLoss.key, evalLoss.series, false, run.growth?.get(evalLoss.key)) }),
    ...(gradNorm && { gradNorm: cache.scan(run.id, gradNorm.key, gradNorm.series, false, run.growth?.get(gradNorm.key)) }),
  };
}

/**
 * Every rule of WARNINGS.md over one run, instability first: a broken run makes the other readings moot.
 * `checkpoints` are the steps of the `checkpoint-N` folders in the run's folder, when it was listed.
 * `cache` keeps the passes over the train log between analyses of the same run: the warnings are the same
 * with or without it, only an update's cost changes.
 */
export function analyzeRun(run: RunSnapshot, overrides: RoleOverrides = {}, checkpoints: readonly number[] = [], cache?: AnalysisCache): RunAnalysis {
  const roles = assignRoles([...run.metrics.keys()], overrides);
  const loss = roles.evalLoss === null ? EMPTY_SERIES : (run.metrics.get(roles.evalLoss) ?? EMPTY_SERIES);
  const accuracy = roles.evalAccuracy === null ? EMPTY_SERIES : (run.metrics.get(roles.evalAccuracy) ?? EMPTY_SERIES);
  const definition = roles.evalAccuracy === null ? null : accuracyDefinition(roles.evalAccuracy);
  const measure = accuracyMeasure(accuracy.values, definition ?? 'generic-accuracy');
  const evalPoints = joinEvalPoints(loss, accuracy, measure);
  const hasPoints = evalPoints.steps.length > 0;
  const trainLoss = roles.trainLoss === null ? undefined : run.metrics.get(roles.trainLoss);
  const inputs = instabilityInputs(run, roles);
  const turn = lossTurn(evalPoints);
  const warnings = [
    ...instability(inputs, instabilityScans(run, inputs, cache)),
    misleadingLoss(evalPoints, run.metrics.get(COMPUTED_KEYS.scaledNll), turn),
    overfitting(evalPoints, trainLoss, turn),
    checkpointDisagreement(evalPoints, checkpoints),
    plateau(roles.evalLoss === null ? undefined : run.metrics.get(roles.evalLoss), roles.evalAccuracy === null ? undefined : { series: accuracy, measure }),
  ].filter((warning): warning is Warning => warning !== undefined);
  return {
    roles,
    accuracyDefinition: definition,
    accuracyMeasure: definition === null ? null : measure,
    accuracyComparison: compareLoggedAccuracy(run.metrics, roles.evalAccuracy, definition === null ? null : measure),
    evalPoints,
    best: {
      byLoss: hasPoints ? pickAt(evalPoints, argmin(evalPoints.loss)) : null,
      byAccuracy: hasPoints ? pickAt(evalPoints, argmax(evalPoints.accuracy)) : null,
    },
    warnings,
  };
}

/** The latest finite value of a series and the one before it, for a trend arrow. */
export function latestTwo(series: Series | undefined): { latest: number; previous: number | undefined; step: number } | undefined {
  if (series === undefined) return undefined;
  const finite: number[] = [];
  for (let i = series.values.length - 1; i >= 0 && finite.length < 2; i--) if (Number.isFinite(series.values[i])) finite.push(i);
  const [last, before] = finite;
  if (last === undefined) return undefined;
  return {
    latest: series.values[last] as number,
    previous: before === undefined ? undefined : (series.values[before] as number),
    step: series.steps[last] as number,
  };
}
