import type { RunSnapshot } from '../runStore';
import type { Series } from '../types';
import { accuracyDefinition, assignRoles, type AccuracyDefinition, type MetricRoles, type RoleOverrides } from './metricRoles';
import { argmax, argmin, joinEvalPoints, type EvalPoints } from './evalPoints';
import { misleadingLoss } from './misleadingLoss';
import { checkpointDisagreement } from './checkpointDisagreement';
import type { Warning } from './warning';

export interface CheckpointPick {
  readonly step: number;
  readonly loss: number;
  readonly accuracy: number;
}

export interface RunAnalysis {
  readonly roles: MetricRoles;
  readonly accuracyDefinition: AccuracyDefinition | null;
  readonly evalPoints: EvalPoints;
  readonly best: { readonly byLoss: CheckpointPick | null; readonly byAccuracy: CheckpointPick | null };
  readonly warnings: readonly Warning[];
}

const EMPTY_SERIES: Series = { steps: [], values: [] };

function pickAt(points: EvalPoints, index: number): CheckpointPick {
  return { step: points.steps[index] as number, loss: points.loss[index] as number, accuracy: points.accuracy[index] as number };
}

export function analyzeRun(run: RunSnapshot, overrides: RoleOverrides = {}): RunAnalysis {
  const roles = assignRoles([...run.metrics.keys()], overrides);
  const loss = roles.evalLoss === null ? EMPTY_SERIES : (run.metrics.get(roles.evalLoss) ?? EMPTY_SERIES);
  const accuracy = roles.evalAccuracy === null ? EMPTY_SERIES : (run.metrics.get(roles.evalAccuracy) ?? EMPTY_SERIES);
  const evalPoints = joinEvalPoints(loss, accuracy);
  const hasPoints = evalPoints.steps.length > 0;
  const warnings = [misleadingLoss(evalPoints), checkpointDisagreement(evalPoints)].filter((warning): warning is Warning => warning !== undefined);
  return {
    roles,
    accuracyDefinition: roles.evalAccuracy === null ? null : accuracyDefinition(roles.evalAccuracy),
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
  return { latest: series.values[last] as number, previous: before === undefined ? undefined : (series.values[before] as number), step: series.steps[last] as number };
}
