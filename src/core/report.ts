import type { RunSnapshot } from './runStore';
import type { Problem } from './types';
import type { RunInfo } from './formats/logFormat';
import { analyzeRun } from './analysis/runAnalysis';
import type { RoleOverrides } from './analysis/metricRoles';
import type { EvalPairing } from './tokens/evalPlan';
import type { AccuracyMeasure } from './analysis/accuracyMeasure';
import type { AccuracyComparison } from './analysis/accuracyComparison';
import type { ExportedStatistics } from './tokens/tokenStatistics';
import type { TokensReport } from './tokens/tokenShiftView';
import { inXUnit, xUnitOf } from './xUnit';

/** The CLI's `--json` document. This shape is a contract: formats may be added, fields are not renamed. */
export interface ReportDocument {
  readonly runs: readonly RunReport[];
  readonly problems: readonly Problem[];
}

export interface RunReport {
  readonly id: string;
  /** What the run's own files call it and its hyperparameters, when they say (Lightning, MLflow, W&B). */
  readonly info?: RunInfo;
  readonly sources: readonly { readonly path: string; readonly format: string }[];
  readonly metrics: Readonly<Record<string, { readonly steps: readonly number[]; readonly values: readonly (number | null)[] }>>;
  readonly roles: { readonly evalLoss: string | null; readonly evalAccuracy: string | null; readonly trainLoss: string | null };
  readonly accuracyDefinition: string | null;
  /** The eval accuracy's scale ("fraction" or "percent", decided once over its series) and whether it is per token. */
  readonly accuracyMeasure?: AccuracyMeasure;
  /** TRL's logged token accuracy against the one computed from evaluation outputs, with why they differ. */
  readonly accuracyComparison?: AccuracyComparison;
  readonly best: { readonly byLoss: Pick | null; readonly byAccuracy: Pick | null };
  readonly warnings: readonly {
    readonly kind: string;
    readonly form: string;
    readonly confidence: string;
    readonly step: number;
    readonly startStep: number;
    readonly message: string;
    readonly evidence: Readonly<Record<string, number | null>>;
  }[];
  /** The run's evaluation outputs, when it has any: each file, its step, and how its tokens were paired. */
  readonly evaluations?: readonly EvaluationReport[];
  /** Which target tokens carry the loss change between two of its evaluations (tokenShiftView.ts), when it has per-token outputs. */
  readonly tokens?: TokensReport;
}

export interface EvaluationReport {
  readonly path: string;
  readonly step: number;
  readonly pairing: EvalPairing;
  /** Its per-token statistics, those its form cannot give saying so ("not available: needs logits"); absent when unverified. */
  readonly statistics?: ExportedStatistics;
  /** `unverified`: nothing settled how its tokens pair; it is not the run's accuracy nor evidence for a warning. */
  readonly status: 'decided' | 'unverified';
  /** Token accuracy and mean NLL of the pairing used; null when unverified or not computed. */
  readonly accuracy: number | null;
  readonly meanNll: number | null;
  /** When both pairings were scored (nothing in the files said how they pair): each one's accuracy and mean NLL. */
  readonly pairings?: { readonly shifted: PairingNumbers; readonly aligned: PairingNumbers };
  /** For outputs whose files did not say how they pair: each pairing checked against what the run logged at the step. */
  readonly pairingCheck?: {
    readonly reason: string;
    readonly comparisons: readonly {
      readonly against: string;
      readonly key: string;
      readonly logged: number;
      readonly shifted: number | null;
      readonly aligned: number | null;
      readonly agrees: string | null;
    }[];
  };
}

export interface PairingNumbers {
  readonly accuracy: number | null;
  readonly meanNll: number | null;
}

interface Pick {
  readonly step: number;
  readonly loss: number;
  readonly accuracy: number;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * The values as JSON can say them: the series' own array when every value is finite (most are), so a report
 * of 1,000 runs × 10,000 points holds no second copy of every value; else a copy with null where one is not.
 */
function jsonValues(values: readonly number[]): readonly (number | null)[] {
  // Indexed, not for-of: this runs once per series, before V8 optimizes it, and the iterator loop then
  // cost 11.5 ms against 3.5 ms for 1,000,000 values. A finite value times zero is zero, NaN and the
  // infinities give NaN: one sum says whether any is not finite, with no branch a value.
  let zero = 0;
  for (let i = 0; i < values.length; i++) zero += (values[i] as number) * 0;
  return zero === 0 ? values : values.map(finiteOrNull);
}

export function buildRunReport(run: RunSnapshot, overrides: RoleOverrides = {}, info?: RunInfo): RunReport {
  const analysis = analyzeRun(run, overrides, info?.checkpoints);
  const unit = xUnitOf(info);
  const metrics: Record<string, { steps: readonly number[]; values: readonly (number | null)[] }> = {};
  for (const [key, series] of run.metrics) metrics[key] = { steps: series.steps, values: jsonValues(series.values) };
  return {
    id: run.id,
    ...(info === undefined ? {} : { info }),
    sources: run.sources,
    metrics,
    roles: analysis.roles,
    accuracyDefinition: analysis.accuracyDefinition,
    ...(analysis.accuracyMeasure === null ? {} : { accuracyMeasure: analysis.accuracyMeasure }),
    ...(analysis.accuracyComparison === null ? {} : { accuracyComparison: analysis.accuracyComparison }),
    best: analysis.best,
    warnings: analysis.warnings.map(({ kind, form, confidence, step, startStep, message, evidence }) => ({
      kind,
      form,
      confidence,
      step,
      startStep,
      message: inXUnit(message, unit),
      evidence: Object.fromEntries(Object.entries(evidence).map(([name, value]) => [name, finiteOrNull(value)])),
    })),
  };
}

export function buildReport(
  runs: readonly RunSnapshot[],
  problems: readonly Problem[],
  overrides: RoleOverrides = {},
  infoOf: (runId: string) => RunInfo | undefined = () => undefined,
): ReportDocument {
  return { runs: runs.map((run) => buildRunReport(run, overrides, infoOf(run.id))), problems };
}
