import { visibleText } from './displayText';
import type { EvaluationReport, ReportDocument, RunReport } from './report';
import { describePairing } from './tokens/evalPlan';
import { formatAccuracy } from './analysis/accuracyMeasure';

function formatNumber(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Run ids, paths, keys and messages quoting them come from file names and file contents: see visibleText. */
function summarize(run: RunReport): string {
  const lines = [`Run ${visibleText(run.id)}`];
  lines.push(`  sources: ${run.sources.map((source) => `${visibleText(source.path)} (${source.format})`).join(', ')}`);
  const role = (key: string | null | undefined): string => (key === null || key === undefined ? 'not found' : visibleText(key));
  lines.push(`  eval loss: ${role(run.roles.evalLoss)}; eval accuracy: ${role(run.roles.evalAccuracy)}; train loss: ${role(run.roles.trainLoss)}`);
  if (run.accuracyDefinition !== null) lines.push(`  accuracy definition: ${visibleText(run.accuracyDefinition)}`);
  if (run.accuracyComparison?.explanation != null) lines.push(`  ${visibleText(run.accuracyComparison.explanation)}`);
  lines.push(...pairingLines(run.evaluations ?? []));
  const { byLoss, byAccuracy } = run.best;
  // The run's one scale decision: a fraction 0.48 and a percentage 48 both print as 48.0%.
  const accuracy = (value: number): string =>
    run.accuracyMeasure === undefined || !Number.isFinite(value) ? formatNumber(value) : formatAccuracy(value, run.accuracyMeasure.scale);
  if (byLoss !== null) lines.push(`  best by loss:     step ${byLoss.step} (loss ${formatNumber(byLoss.loss)}, accuracy ${accuracy(byLoss.accuracy)})`);
  if (byAccuracy !== null)
    lines.push(`  best by accuracy: step ${byAccuracy.step} (loss ${formatNumber(byAccuracy.loss)}, accuracy ${accuracy(byAccuracy.accuracy)})`);
  for (const warning of run.warnings) lines.push(`  ⚠ ${warning.kind} (${warning.confidence}): ${visibleText(warning.message)}`);
  if (run.warnings.length === 0) lines.push('  no warnings');
  return lines.join('\n');
}

/** How computed token accuracy paired tokens: one line per distinct choice, with the steps it applies to. */
function pairingLines(evaluations: readonly EvaluationReport[]): string[] {
  const steps = new Map<string, number[]>();
  for (const evaluation of evaluations) {
    const description = visibleText(describePairing(evaluation.pairing));
    steps.set(description, [...(steps.get(description) ?? []), evaluation.step]);
  }
  return [...steps].map(([description, at]) => `  tokens paired as ${description} (step${at.length === 1 ? '' : 's'} ${at.join(', ')})`);
}

/** The readable form of the report, for a terminal. */
export function formatText(report: ReportDocument): string {
  const parts = report.runs.map(summarize);
  if (report.runs.length === 0) parts.push('No training logs found.');
  for (const problem of report.problems) parts.push(`problem: ${visibleText(problem.path)}: ${visibleText(problem.message)}`);
  return parts.join('\n\n') + '\n';
}
