import type { RunView } from './runView';
import { escapeMarkdown, visibleText } from './displayText';
import { isLive } from './runStatus';
import { DEFAULT_WARNING_SETTINGS, demandsAttention, type WarningSeverity } from './analysis/warningSettings';
import { statusRunName, statusRunReasonText, type StatusRunReason } from './statusRun';
import type { RunAliases } from './runAliases';
import { displayLabel } from './runLabel';
import { accuracyNoun, formatAccuracy, type AccuracyMeasure } from './analysis/accuracyMeasure';
import { xAt } from './xUnit';

/** The command that picks the status bar's run (a quick pick); the hover card links to it. */
export const CHOOSE_STATUS_RUN = 'tokenAccuracyLens.chooseStatusRun';

/** A plateau is advice: it gets the info icon, not the warning triangle. */
const WARNING_ICON: Readonly<Record<WarningSeverity, string>> = { error: '$(error)', warning: '$(warning)', information: '$(info)', hint: '$(info)' };

/** A run with no accuracy measure yet shows nothing as a percentage: every value goes through the run's one scale. */
function percent(value: number, measure: AccuracyMeasure | null): string {
  return measure === null ? '–' : formatAccuracy(value, measure.scale);
}

/** "Token acc" only for a per-token definition: a generic accuracy may be per sample. */
function shortName(measure: AccuracyMeasure | null): string {
  return measure?.perToken === false ? 'Acc' : 'Token acc';
}

export function trendArrow(latest: number, previous: number | null): string {
  if (previous === null) return '';
  return latest > previous ? '↑' : latest < previous ? '↓' : '→';
}

/** The status bar's words for a run, as plain data so that they are tested without VS Code. */
export function statusText(run: RunView | undefined): string {
  if (run?.latest == null) return 'Token acc: –';
  const arrow = trendArrow(run.latest.accuracy, run.latest.previousAccuracy);
  return `${shortName(run.accuracyMeasure)} ${percent(run.latest.accuracy, run.accuracyMeasure)}${arrow === '' ? '' : ` ${arrow}`}`;
}

/** The status bar's words naming the run they speak for ("sft-lr1e-4 · Acc 52.0% ↑", by its alias if it has one); without a run, as statusText. */
export function namedStatusText(run: RunView | undefined, aliases: RunAliases = {}): string {
  return run?.latest == null ? statusText(run) : `${statusRunName(run, aliases)} · ${statusText(run)}`;
}

const SPOKEN_TREND: Readonly<Record<string, string>> = { '↑': ', rising', '↓': ', falling', '→': ', unchanged', '': '' };

/** The same for a screen reader: the run named first, the trend in words rather than an arrow. */
export function namedStatusLabel(run: RunView | undefined, aliases: RunAliases = {}): string {
  if (run?.latest == null) return statusText(run);
  const arrow = trendArrow(run.latest.accuracy, run.latest.previousAccuracy);
  return `Run ${statusRunName(run, aliases)}: ${shortName(run.accuracyMeasure)} ${percent(run.latest.accuracy, run.accuracyMeasure)}${SPOKEN_TREND[arrow] ?? ''}`;
}

/** The hover card: the run's name (its alias, with its own label beside), eval loss, the best step by loss against the best by accuracy, and any warning. */
export function statusTooltip(run: RunView | undefined, allRuns: readonly RunView[], reason?: StatusRunReason, aliases: RunAliases = {}): string {
  const runCount = allRuns.length;
  if (run?.latest == null) {
    return runCount === 0 ? '**Token Accuracy Lens**\n\nNo training logs found yet.' : '**Token Accuracy Lens**\n\nNo run logs an eval accuracy yet.';
  }
  const { latest, best, accuracyMeasure: measure } = run;
  const name = displayLabel(run, aliases);
  const lines = [
    `**Token Accuracy Lens** · ${escapeMarkdown(name)}`,
    '',
    // The full name when the one shown is an alias or shortened: the tooltip is where a crowded label is read whole.
    ...(name === run.label ? [] : [`_${escapeMarkdown(run.label)}_`, '']),
    `| | |`,
    `|:--|--:|`,
    `| Eval ${measure === null ? 'accuracy' : accuracyNoun(measure)} (${xAt(run.xUnit, latest.step)}) | ${percent(latest.accuracy, measure)} ${trendArrow(latest.accuracy, latest.previousAccuracy)} |`,
    `| Eval loss | ${latest.loss === null ? '–' : latest.loss.toFixed(4)} |`,
  ];
  if (best.byLoss !== null)
    lines.push(`| Best by loss | ${xAt(run.xUnit, best.byLoss.step)} (loss ${best.byLoss.loss.toFixed(4)}, acc ${percent(best.byLoss.accuracy, measure)}) |`);
  if (best.byAccuracy !== null)
    lines.push(
      `| Best by accuracy | ${xAt(run.xUnit, best.byAccuracy.step)} (loss ${best.byAccuracy.loss.toFixed(4)}, acc ${percent(best.byAccuracy.accuracy, measure)}) |`,
    );
  for (const warning of run.warnings)
    lines.push(
      '',
      `${WARNING_ICON[warning.severity ?? DEFAULT_WARNING_SETTINGS[warning.kind].severity]} **${warning.kind}** (${warning.confidence} confidence): ${escapeMarkdown(warning.message)}`,
    );
  if (run.accuracyDefinition !== null) lines.push('', `_Accuracy: ${escapeMarkdown(run.accuracyDefinition)}._`);
  if (run.accuracyNote !== null) lines.push('', escapeMarkdown(run.accuracyNote));
  const othersWarned = allRuns.filter((other) => other.id !== run.id && other.warnings.some(demandsAttention));
  if (othersWarned.length > 0)
    lines.push('', `$(warning) Also warned: ${othersWarned.map((other) => escapeMarkdown(displayLabel(other, aliases))).join(', ')}.`);
  if (runCount > 1) lines.push('', `${runCount} runs watched.`);
  if (reason !== undefined) lines.push('', statusRunReasonText(reason));
  lines.push('', `[Open Metrics Panel](command:tokenAccuracyLens.openPanel)${runCount > 1 ? ` · [Choose Another Run](command:${CHOOSE_STATUS_RUN})` : ''}`);
  return lines.join('\n');
}

/** One run of the "Choose Status Bar Run" quick pick. */
export interface StatusRunItem {
  readonly runId: string;
  readonly label: string;
  readonly description: string;
  readonly detail: string;
}

/**
 * The quick pick's items: the runs that log an eval accuracy, each by the name every view shows (its alias, or its
 * label with long ids shortened), its own label (when that differs) and folder below; the one shown now is marked.
 */
export function statusRunItems(views: readonly RunView[], currentId: string | undefined, now: number, aliases: RunAliases = {}): StatusRunItem[] {
  return views
    .filter((view) => view.latest !== null)
    .map((view) => {
      const name = displayLabel(view, aliases);
      return {
        runId: view.id,
        label: visibleText(name),
        description: `${statusText(view)} · ${isLive(view.updatedAt, now) ? 'live' : 'idle'}${view.id === currentId ? ' · shown now' : ''}`,
        detail: visibleText(name === view.label ? view.id : `${view.label} · ${view.id}`),
      };
    });
}
