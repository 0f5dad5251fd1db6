import { formatAccuracy } from './analysis/accuracyMeasure';
import { visibleText } from './displayText';
import type { RunReport } from './report';
import { xAt, xUnitOf } from './xUnit';

function latest(run: RunReport, key: string | null): { step: number; value: number | null } | undefined {
  const series = key === null ? undefined : run.metrics[key];
  const at = series === undefined ? -1 : series.steps.length - 1;
  return series === undefined || at < 0 ? undefined : { step: series.steps[at] ?? 0, value: series.values[at] ?? null };
}

function number(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toFixed(4);
}

/**
 * One line for a change of a watched run, as `watch` prints it without `--json`: where the run is, its last
 * eval loss and eval accuracy with their steps, and its warnings by kind.
 */
export function watchLine(run: RunReport, label: string): string {
  let last = -Infinity;
  for (const series of Object.values(run.metrics)) last = Math.max(last, series.steps.at(-1) ?? -Infinity);
  const unit = xUnitOf(run.info);
  const parts = [`${visibleText(label)}: ${unit} ${Number.isFinite(last) ? last : '–'}`];
  const loss = latest(run, run.roles.evalLoss);
  const accuracy = latest(run, run.roles.evalAccuracy);
  if (loss !== undefined) parts.push(`eval loss ${number(loss.value)} (${xAt(unit, loss.step)})`);
  // The run's one scale decision, as the text report and the panel print it: 0.48 and 48 are both 48.0%.
  const measure = run.accuracyMeasure;
  const accuracyText = (value: number | null): string =>
    value === null || !Number.isFinite(value) || measure === undefined ? number(value) : formatAccuracy(value, measure.scale);
  if (accuracy !== undefined) parts.push(`eval accuracy ${accuracyText(accuracy.value)} (${xAt(unit, accuracy.step)})`);
  if (loss === undefined && accuracy === undefined) parts.push(`${Object.keys(run.metrics).length} metrics, no eval loss or accuracy`);
  parts.push(run.warnings.length === 0 ? 'no warnings' : `warnings: ${run.warnings.map((warning) => `${warning.kind} (${warning.confidence})`).join(', ')}`);
  return parts.join(' · ');
}

/** A problem as `watch` prints it without `--json`. */
export function watchProblemLine(path: string | undefined, message: string): string {
  return `problem: ${path === undefined ? '' : `${visibleText(path)}: `}${visibleText(message)}`;
}
