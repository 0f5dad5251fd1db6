import type { Warning, WarningKind } from './analysis/warning';
import { DEFAULT_WARNING_SETTINGS, type WarningSeverity } from './analysis/warningSettings';
import { accuracyNoun, type AccuracyMeasure } from './analysis/accuracyMeasure';
import { logEntryMember, type JsonMember, type TrainerStateLayout } from './jsonLocator';
import { baseName, parentOf } from './paths';
import type { RunSource } from './runStore';

/** A warning placed on a span of a trainer_state.json text (UTF-16 offsets). */
export interface LogFinding {
  readonly start: number;
  readonly end: number;
  readonly kind: WarningKind;
  readonly severity: WarningSeverity;
  readonly message: string;
}

/** The keys of the run's roles, as its log spells them. */
export interface RunKeys {
  readonly evalLoss: string | null;
  readonly trainLoss: string | null;
  /** The eval accuracy's measure, so that a generic accuracy is not called token accuracy; unknown says "accuracy". */
  readonly accuracy?: AccuracyMeasure | null;
}

const NON_FINITE = /^-?(NaN|Infinity)$/;

function span(member: JsonMember, kind: WarningKind, warning: Warning, message: string): LogFinding {
  return { start: member.keyStart, end: member.valueEnd, kind, severity: warning.severity ?? DEFAULT_WARNING_SETTINGS[kind].severity, message };
}

function checkpointStep(raw: string): number | undefined {
  const match = /checkpoint-(\d+)/.exec(raw);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * On `best_model_checkpoint` and `best_metric` when they follow the loss and the best checkpoint by
 * accuracy is another. Nothing when the file already keeps the accuracy's best (the user set
 * `metric_for_best_model` to it), and nothing on a `best_metric` that is not the lowest eval loss.
 */
function disagreementFindings(layout: TrainerStateLayout, warning: Warning, keys: RunKeys): LogFinding[] {
  // ΔA in points as the analysis computed it with the run's one scale decision: two values alone cannot tell a fraction from a percentage.
  const { lossStep, accuracyStep, deltaAccuracyPoints, lossAtLossStep } = warning.evidence;
  if (lossStep === undefined || accuracyStep === undefined || deltaAccuracyPoints === undefined) return [];
  const noun = keys.accuracy == null ? 'accuracy' : accuracyNoun(keys.accuracy);
  const advice = `the best by ${noun} is step ${accuracyStep} (${deltaAccuracyPoints.toFixed(1)} points higher). To keep that one, set metric_for_best_model to the accuracy metric with greater_is_better=True.`;
  const findings: LogFinding[] = [];
  const checkpoint = layout.topLevel.get('best_model_checkpoint');
  const kept = checkpoint === undefined ? undefined : checkpointStep(checkpoint.raw);
  if (checkpoint !== undefined && kept !== undefined && kept !== accuracyStep) {
    const which = kept === lossStep ? `the best checkpoint by eval loss (step ${lossStep})` : `step ${kept}, which is not the best by ${noun}`;
    findings.push(span(checkpoint, warning.kind, warning, `load_best_model_at_end would load ${which}, but ${advice}`));
  }
  const metric = layout.topLevel.get('best_metric');
  const metricValue = metric === undefined ? Number.NaN : Number(metric.raw);
  if (
    metric !== undefined &&
    lossAtLossStep !== undefined &&
    kept !== accuracyStep &&
    Math.abs(metricValue - lossAtLossStep) <= 1e-9 * Math.max(1, Math.abs(lossAtLossStep))
  ) {
    findings.push(span(metric, warning.kind, warning, `best_metric is the lowest eval loss (step ${lossStep}), but ${advice}`));
  }
  return findings;
}

/** The log entry where a trend warning begins: the eval loss at its minimum, or the train log that broke. */
function startFinding(layout: TrainerStateLayout, warning: Warning, keys: RunKeys): LogFinding[] {
  let member: JsonMember | undefined;
  let lead: string;
  if (warning.kind === 'misleading-loss' || warning.kind === 'overfitting') {
    member = keys.evalLoss === null ? undefined : logEntryMember(layout, warning.startStep, keys.evalLoss);
    lead = warning.kind === 'misleading-loss' ? 'From this eval on, the loss misleads.' : 'From this eval on, the model overfits.';
  } else if (warning.form === 'non-finite') {
    member = firstNonFiniteAt(layout, warning.startStep);
    lead = `The first non-finite value of the run (step ${warning.startStep}).`;
  } else {
    member = keys.trainLoss === null ? undefined : logEntryMember(layout, warning.startStep, keys.trainLoss);
    lead = warning.form === 'spike' ? `The first loss spike (step ${warning.startStep}).` : `Divergence begins here (step ${warning.startStep}).`;
  }
  return member === undefined ? [] : [span(member, warning.kind, warning, `${lead} ${warning.message}`)];
}

function firstNonFiniteAt(layout: TrainerStateLayout, step: number): JsonMember | undefined {
  for (const entry of layout.logHistory) {
    if (entry.step !== step) continue;
    const found = layout.membersOf(entry).find((member) => NON_FINITE.test(member.raw));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Where a run's warnings belong in its trainer_state.json. Low-confidence warnings stay in the panel: an
 * inline mark in a file is read as a claim. A plateau is not marked in the log: it is advice, not a fault.
 */
export function trainerStateFindings(layout: TrainerStateLayout, warnings: readonly Warning[], keys: RunKeys): LogFinding[] {
  return warnings
    .filter((warning) => warning.confidence !== 'low')
    .flatMap((warning) => {
      if (warning.kind === 'checkpoint-disagreement') return disagreementFindings(layout, warning, keys);
      if (warning.kind === 'plateau') return [];
      return startFinding(layout, warning, keys);
    });
}

/**
 * The run's own state file: `<run>/trainer_state.json`, else the one in its latest checkpoint. The older
 * checkpoints' files were true when written; marking them with today's verdict would mislead.
 */
export function currentStateFile(runId: string, sources: readonly RunSource[]): string | undefined {
  const states = sources.filter((source) => source.format === 'hf-trainer-state').map((source) => source.path);
  const top = states.find((path) => parentOf(path) === runId && baseName(path) === 'trainer_state.json');
  if (top !== undefined) return top;
  const checkpoint = (path: string): number => Number(/^checkpoint-(\d+)$/.exec(baseName(parentOf(path)))?.[1] ?? -1);
  return [...states].sort((a, b) => checkpoint(b) - checkpoint(a))[0];
}
