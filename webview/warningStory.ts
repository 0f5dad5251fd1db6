import type { Confidence, Warning, WarningKind } from '../src/core/analysis/warning';
import { DEFAULT_WARNING_SETTINGS, type WarningSeverity } from '../src/core/analysis/warningSettings';
import { xAt, type XUnit } from '../src/core/xUnit';

/** What a run's card needs of its RunView: kept narrow so that the story is testable without a whole view. */
export interface StoryRun {
  readonly warnings: readonly Warning[];
  readonly checkpointsOnDisk: readonly number[];
  readonly checkpointToKeep: number | null;
  /** What the run's x counts: a run read from printed dicts or Keras logs has epochs, not steps. */
  readonly xUnit?: XUnit;
}

/** A run's warnings told as one story: the action first, then the warnings it rests on, loudest first. */
export interface RunStory {
  readonly headline: string;
  readonly severity: WarningSeverity;
  readonly confidence: Confidence;
  readonly warnings: readonly Warning[];
}

const SEVERITY_RANK: Readonly<Record<WarningSeverity, number>> = { error: 0, warning: 1, information: 2, hint: 3 };
const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = { high: 0, medium: 1, low: 2 };

/** What each rule found, for a headline when no checkpoint is at stake. */
const FINDING: Readonly<Record<WarningKind, string>> = {
  'misleading-loss': 'Judge this run by accuracy, not eval loss',
  overfitting: 'Overfitting',
  plateau: 'Plateau',
  instability: 'Unstable training',
  'checkpoint-disagreement': 'The best checkpoint by loss is not the best by accuracy',
};

export function severityOf(warning: Warning): WarningSeverity {
  return warning.severity ?? DEFAULT_WARNING_SETTINGS[warning.kind].severity;
}

/** Orders by severity, then confidence, high first; ties keep their order. */
export function byLoudness<T>(items: readonly T[], severity: (item: T) => WarningSeverity, confidence: (item: T) => Confidence): T[] {
  return [...items].sort((a, b) => SEVERITY_RANK[severity(a)] - SEVERITY_RANK[severity(b)] || CONFIDENCE_RANK[confidence(a)] - CONFIDENCE_RANK[confidence(b)]);
}

/** A step's checkpoint by its folder name when the folder is known to exist, else by its step: never a folder not seen. */
function checkpointName(step: number, onDisk: readonly number[], unit: XUnit): string {
  return onDisk.includes(step) ? `checkpoint-${step}` : `the checkpoint of ${xAt(unit, step)}`;
}

function points(value: number): string {
  const digits = Math.abs(value) < 0.05 ? 2 : 1;
  return `+${value.toFixed(digits)} points`;
}

/** The headline of a checkpoint disagreement: which checkpoint to keep, and what keeping the best by loss gives up. */
function checkpointHeadline(warning: Warning, run: StoryRun): string | undefined {
  const { lossStep, accuracyStep, deltaAccuracyPoints } = warning.evidence;
  if (lossStep === undefined || accuracyStep === undefined || deltaAccuracyPoints === undefined || !Number.isFinite(deltaAccuracyPoints)) return undefined;
  const onDisk = run.checkpointsOnDisk;
  const unit = run.xUnit ?? 'step';
  const byLoss = `${checkpointName(lossStep, onDisk, unit)}, which keeping the best by eval loss would load`;
  const bestDeleted = onDisk.length > 0 && !onDisk.includes(accuracyStep);
  if (!bestDeleted) return `Keep ${checkpointName(accuracyStep, onDisk, unit)} by accuracy: ${points(deltaAccuracyPoints)} of accuracy over ${byLoss}`;
  const keep = run.checkpointToKeep;
  if (keep === null) return `The best checkpoint by accuracy (${xAt(unit, accuracyStep)}) is no longer on disk, and no checkpoint left was evaluated`;
  return `Keep ${checkpointName(keep, onDisk, unit)}, the best by accuracy left on disk: the best of all (${xAt(unit, accuracyStep)}, ${points(deltaAccuracyPoints)} of accuracy over ${byLoss}) has no checkpoint folder on disk`;
}

/** The run's story, or undefined when it has no warnings. */
export function runStory(run: StoryRun): RunStory | undefined {
  const warnings = byLoudness(run.warnings, severityOf, (warning) => warning.confidence);
  const loudest = warnings[0];
  if (loudest === undefined) return undefined;
  const disagreement = warnings.find((warning) => warning.kind === 'checkpoint-disagreement');
  const checkpoint = disagreement === undefined ? undefined : checkpointHeadline(disagreement, run);
  const headline = checkpoint ?? `${FINDING[loudest.kind]} (from ${xAt(run.xUnit ?? 'step', loudest.startStep)})`;
  return { headline, severity: severityOf(loudest), confidence: loudest.confidence, warnings };
}
