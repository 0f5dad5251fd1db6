import type { Problem, RunView } from '../src/protocol';
import { el, formatNumber, formatPercent } from './dom';
import { runColor, type ThemeColors } from './theme';

function trendArrow(run: RunView): string {
  const latest = run.latest;
  if (latest === null || latest.previousAccuracy === null) return '';
  return latest.accuracy > latest.previousAccuracy ? ' ↑' : latest.accuracy < latest.previousAccuracy ? ' ↓' : ' →';
}

/** The table under the charts: the numbers behind the curves, readable without the canvas. */
export function renderSummary(table: HTMLTableElement, runs: readonly RunView[], theme: ThemeColors): void {
  const head = el('tr', {}, ...['Run', 'Step', 'Eval token accuracy', 'Eval loss', 'Best by loss', 'Best by accuracy'].map((title) => el('th', { scope: 'col' }, title)));
  const rows = runs.map((run, index) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.backgroundColor = runColor(theme, index);
    const { byLoss, byAccuracy } = run.best;
    return el(
      'tr',
      { 'data-run-id': run.id },
      el('td', { title: run.id }, swatch, run.label),
      el('td', {}, run.latest === null ? '–' : String(run.latest.step)),
      el('td', { class: 'accuracy', title: run.accuracyDefinition ?? 'no eval accuracy found' }, formatPercent(run.latest?.accuracy) + trendArrow(run)),
      el('td', {}, formatNumber(run.latest?.loss)),
      el('td', {}, byLoss === null ? '–' : `step ${byLoss.step} (${formatPercent(byLoss.accuracy)})`),
      el('td', {}, byAccuracy === null ? '–' : `step ${byAccuracy.step} (${formatPercent(byAccuracy.accuracy)})`),
    );
  });
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

/** Warnings as sentences, with their confidence; the same words the status bar and the CLI use. */
export function renderWarnings(list: HTMLElement, runs: readonly RunView[]): void {
  const items = runs.flatMap((run) =>
    run.warnings.map((warning) => {
      const badge = el('vscode-badge', { class: `confidence-${warning.confidence}` }, warning.confidence);
      return el('li', { class: `warning ${warning.kind}`, 'data-kind': warning.kind }, badge, el('strong', {}, ` ${run.label}: `), warning.message);
    }),
  );
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

export function renderProblems(list: HTMLElement, problems: readonly Problem[]): void {
  list.replaceChildren(...problems.map((problem) => el('li', {}, el('code', {}, problem.path), ` ${problem.message}`)));
  list.hidden = problems.length === 0;
}

export function renderDefinitions(element: HTMLElement, runs: readonly RunView[]): void {
  const definitions = [...new Set(runs.flatMap((run) => (run.accuracyDefinition === null ? [] : [run.accuracyDefinition])))];
  element.textContent = definitions.length === 0 ? 'No eval accuracy found yet.' : `Accuracy: ${definitions.join('; ')}.`;
}
