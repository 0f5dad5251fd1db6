import { visibleText } from './displayText';
import type { EvaluationReport, ReportDocument, RunReport } from './report';
import { describePairing } from './tokens/evalPlan';
import { formatAccuracy } from './analysis/accuracyMeasure';
import { baseName } from './paths';
import { tokensReportLines } from './tokens/tokenShiftView';
import { xAt, xUnitOf } from './xUnit';
import { namedRunLabel } from './runLabel';

function formatNumber(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/**
 * Names in file order as a person counts: the digits in a name compare as numbers, so checkpoint-200 comes
 * before checkpoint-1000 (a plain string sort puts it after).
 */
export function compareNatural(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i] as string;
    const y = right[i] as string;
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    // Compared as digit strings, so that a number longer than a double holds still orders exactly.
    if (numeric) {
      const [p, q] = [x.replace(/^0+(?=\d)/, ''), y.replace(/^0+(?=\d)/, '')];
      if (p.length !== q.length) return p.length - q.length;
      if (p !== q) return p < q ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return left.length - right.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * How the text report names a path: relative to the deepest folder given that holds it (the folder itself by
 * its own name), absolute when no folder given holds it. Paths are absolute, as the report makes them.
 */
export function shownPath(path: string, bases: readonly string[]): string {
  let best: string | undefined;
  for (const base of bases) {
    const folder = base.replace(/[\\/]+$/, '');
    const inside = path === folder || (path.startsWith(folder) && (path[folder.length] === '/' || path[folder.length] === '\\'));
    if (inside && (best === undefined || folder.length > best.length)) best = folder;
  }
  if (best === undefined) return path;
  return path === best ? baseName(best) || best : path.slice(best.length + 1);
}

/** Run ids, paths, keys and messages quoting them come from file names and file contents: see visibleText. */
function summarize(run: RunReport, bases: readonly string[]): string {
  const shown = (path: string): string => visibleText(shownPath(path, bases));
  // Named as the panel names it: a notebook's `ft.ipynb · cell 3 (ft.ipynb#cell-3)`, an MLflow run by its run name.
  const lines = [`Run ${namedRunLabel(run.info?.name === undefined ? undefined : visibleText(run.info.name), shown(run.id))}`];
  const sources = [...run.sources].sort((a, b) => compareNatural(a.path, b.path));
  lines.push(`  sources: ${sources.map((source) => `${shown(source.path)} (${source.format})`).join(', ')}`);
  const role = (key: string | null | undefined): string => (key === null || key === undefined ? 'not found' : visibleText(key));
  lines.push(`  eval loss: ${role(run.roles.evalLoss)}; eval accuracy: ${role(run.roles.evalAccuracy)}; train loss: ${role(run.roles.trainLoss)}`);
  if (run.accuracyDefinition !== null) lines.push(`  accuracy definition: ${visibleText(run.accuracyDefinition)}`);
  if (run.accuracyComparison?.explanation != null) lines.push(`  ${visibleText(run.accuracyComparison.explanation)}`);
  lines.push(...pairingLines(run.evaluations ?? []));
  const { byLoss, byAccuracy } = run.best;
  const unit = xUnitOf(run.info);
  // The run's one scale decision: a fraction 0.48 and a percentage 48 both print as 48.0%.
  const accuracy = (value: number): string =>
    run.accuracyMeasure === undefined || !Number.isFinite(value) ? formatNumber(value) : formatAccuracy(value, run.accuracyMeasure.scale);
  if (byLoss !== null) lines.push(`  best by loss:     ${xAt(unit, byLoss.step)} (loss ${formatNumber(byLoss.loss)}, accuracy ${accuracy(byLoss.accuracy)})`);
  if (byAccuracy !== null)
    lines.push(`  best by accuracy: ${xAt(unit, byAccuracy.step)} (loss ${formatNumber(byAccuracy.loss)}, accuracy ${accuracy(byAccuracy.accuracy)})`);
  for (const warning of run.warnings) lines.push(`  ⚠ ${warning.kind} (${warning.confidence}): ${visibleText(warning.message)}`);
  if (run.warnings.length === 0) lines.push('  no warnings');
  if (run.tokens !== undefined) lines.push(...tokensReportLines(run.tokens, visibleText));
  return lines.join('\n');
}

/** How computed token accuracy paired tokens: one line per distinct choice, with the steps it applies to. */
function pairingLines(evaluations: readonly EvaluationReport[]): string[] {
  const steps = new Map<string, number[]>();
  for (const evaluation of evaluations) {
    const description = visibleText(describePairing(evaluation.pairing));
    steps.set(description, [...(steps.get(description) ?? []), evaluation.step]);
  }
  return [...steps].map(
    ([description, at]) => `  tokens paired as ${description} (step${at.length === 1 ? '' : 's'} ${[...at].sort((a, b) => a - b).join(', ')})`,
  );
}

/**
 * The readable form of the report, for a terminal: runs, sources and problems in natural order, paths relative
 * to `bases` (the absolute folders the paths were given as; none: paths as they are).
 */
export function formatText(report: ReportDocument, bases: readonly string[] = []): string {
  const runs = [...report.runs].sort((a, b) => compareNatural(a.id, b.id));
  const parts = runs.map((run) => summarize(run, bases));
  if (report.runs.length === 0) parts.push('No training logs found.');
  const problems = [...report.problems].sort((a, b) => compareNatural(a.path, b.path));
  for (const problem of problems) parts.push(`problem: ${visibleText(shownPath(problem.path, bases))}: ${visibleText(problem.message)}`);
  return parts.join('\n\n') + '\n';
}
