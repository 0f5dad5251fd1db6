import type { RunView } from '../../core/runView';
import type { Warning } from '../../core/analysis/warning';
import type { Finding } from './finding';
import { accuracyKeyFor } from './metricNames';
import { accuracyNoun, percentFactor } from '../../core/analysis/accuracyMeasure';
import { xAt } from '../../core/xUnit';

/** How a finding is shown: its weight and words follow what the run it belongs to shows. */
export interface FindingReport {
  readonly level: 'warning' | 'information' | 'hint';
  readonly message: string;
  /** The accuracy key a fix writes, spelled as this framework and this run log it; null when none is known to be logged. */
  readonly metricKey: string | null;
  /**
   * Whether to offer the finding's fix. One that writes an accuracy key needs an accuracy that the script or
   * its run logs: told to follow a metric that is never logged, Trainer and Lightning stop with an error and
   * Keras callbacks do nothing.
   */
  readonly offersFix: boolean;
  /** The run quoted as evidence, or the run the script writes; the panel opens at it. */
  readonly runId: string | null;
  readonly runLabel: string | null;
}

/**
 * The run whose numbers speak for a script: among the runs it writes the most recently written one,
 * else the workspace's active run.
 */
export function evidenceRun(writtenRunIds: readonly string[], views: readonly RunView[], activeRunId: string | undefined): RunView | undefined {
  const written = views.filter((view) => writtenRunIds.includes(view.id)).sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  return written[0] ?? views.find((view) => view.id === activeRunId);
}

/** Only what the engine is sure enough of to say inline counts as evidence (WARNINGS.md: not low confidence). */
export function misleadingLossOf(run: RunView | undefined): Warning | undefined {
  return run?.warnings.find((warning) => warning.kind === 'misleading-loss' && warning.confidence !== 'low');
}

/**
 * The run's case in one sentence, from the warning's typed fields: where the loss bottomed and what
 * accuracy did since. The engine's own message is quoted when the numbers it rests on are not there.
 */
function evidenceSentence(run: RunView, warning: Warning): string {
  const gain = warning.evidence['accuracyGain'];
  const scale = run.accuracyMeasure === null ? 100 : percentFactor(run.accuracyMeasure.scale);
  const noun = run.accuracyMeasure === null ? 'accuracy' : accuracyNoun(run.accuracyMeasure);
  if (warning.form === 'rising' && gain !== undefined && Number.isFinite(gain)) {
    return `In run "${run.label}", eval loss was lowest at ${xAt(run.xUnit, warning.startStep)}, but ${noun} is still rising at ${xAt(run.xUnit, warning.step)}: +${(gain * scale).toFixed(1)} points.`;
  }
  const rise = warning.evidence['lossRisePercent'];
  if (warning.form === 'holding' && rise !== undefined && Number.isFinite(rise)) {
    return `In run "${run.label}", eval loss was lowest at ${xAt(run.xUnit, warning.startStep)} and is up ${Math.round(rise)}% by ${xAt(run.xUnit, warning.step)} (the median of the later evaluations against that minimum), yet ${noun} shows no significant fall.`;
  }
  return `In run "${run.label}": ${warning.message}`;
}

function checkpointSentence(run: RunView, accuracyKey: string): string {
  const { byLoss, byAccuracy } = run.best;
  if (byLoss === null || byAccuracy === null || byLoss.step === byAccuracy.step) return '';
  return ` By eval loss the best checkpoint is ${xAt(run.xUnit, byLoss.step)}; by ${accuracyKey}, ${xAt(run.xUnit, byAccuracy.step)}.`;
}

/** Why no fix is offered when the key to follow is not known, and what the user can do. */
function unknownKeySentence(finding: Finding): string {
  const how =
    finding.framework === 'transformers'
      ? 'set metric_for_best_model to "eval_" + an accuracy key your compute_metrics returns, with greater_is_better=True'
      : finding.framework === 'keras'
        ? 'monitor "val_" + an accuracy metric the model compiles, with mode="max"'
        : 'monitor a validation accuracy the script logs, with mode="max"';
  return ` No fix is offered: no accuracy key that this script logs is known (none is read in the script, and no run it writes logs one); ${how}.`;
}

/**
 * `measuresAccuracy`: whether the script computes or logs an accuracy at all. Advice to follow accuracy
 * in a script that has none (a regression model) is only a faint hint; where one exists, Information.
 * `runIsWritten`: whether `run` is one the script writes; only then do its logged keys say what the script logs.
 */
export function reportFinding(finding: Finding, run: RunView | undefined, measuresAccuracy = true, runIsWritten = false): FindingReport {
  const runKey = run?.evalAccuracy?.key ?? null;
  const metricKey = accuracyKeyFor(finding.framework, runIsWritten ? runKey : null, finding.loggedKeys);
  const evidence = misleadingLossOf(run);
  const runId = run?.id ?? null;
  const runLabel = run?.label ?? null;
  const hasAccuracy = measuresAccuracy || runKey !== null || finding.loggedKeys.length > 0;
  const writesKey = finding.fix.some((step) => 'metric' in step.value);
  const offersFix = finding.fix.length > 0 && (!writesKey || metricKey !== null);
  const unknownKey = finding.fix.length > 0 && writesKey && metricKey === null && hasAccuracy ? unknownKeySentence(finding) : '';
  if (run !== undefined && evidence !== undefined) {
    const quoted = `${evidenceSentence(run, evidence)}${checkpointSentence(run, runKey ?? metricKey ?? 'accuracy')}`;
    return {
      level: 'warning',
      metricKey,
      offersFix,
      runId,
      runLabel,
      message: `${finding.message} ${quoted}${offersFix && metricKey !== null ? ` Follow "${metricKey}" instead.` : unknownKey}`,
    };
  }
  if (finding.bug) return { level: 'warning', metricKey, offersFix, runId, runLabel, message: finding.message };
  const advice = offersFix && metricKey !== null ? `; consider following "${metricKey}".` : `.${unknownKey}`;
  return {
    level: hasAccuracy ? 'information' : 'hint',
    metricKey,
    offersFix,
    runId,
    runLabel,
    message: `${finding.message} Loss can rise while token accuracy still improves${advice}`,
  };
}
