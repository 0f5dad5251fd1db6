import type { Problem, RunView } from '../src/protocol';
import { isLive } from '../src/core/runStatus';
import { warningStart } from './chartData';
import { el, formatNumber, formatPercent } from './dom';
import { runColor, type ThemeColors } from './theme';

export interface TableEvents {
  onFocus(runId: string | null): void;
  onRevealFolder(runId: string): void;
  onOpenLog(runId: string, path: string, step: number | null): void;
  onFindCode(runId: string): void;
}

/** Warnings about which checkpoint to keep: the code or config that picks it by loss is worth finding. */
const CHECKPOINT_KINDS: readonly string[] = ['misleading-loss', 'checkpoint-disagreement'];

function trendArrow(run: RunView): string {
  const latest = run.latest;
  if (latest === null || latest.previousAccuracy === null) return '';
  return latest.accuracy > latest.previousAccuracy ? ' ↑' : latest.accuracy < latest.previousAccuracy ? ' ↓' : ' →';
}

function lastValue(values: readonly (number | null)[] | undefined): number | null {
  if (values === undefined) return null;
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i] as number;
  return null;
}

function button(label: string, accessibleName: string, onClick: () => void): HTMLButtonElement {
  const result = el('button', { type: 'button', class: 'link-button', 'aria-label': accessibleName, title: accessibleName }, label);
  result.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return result;
}

/**
 * The runs table: final and best values, the best step by loss against the best by accuracy, the accuracy
 * definition, live or idle, warnings. A row focuses its run (click, Enter or Space); a second time unfocuses.
 */
export function renderRunsTable(
  table: HTMLTableElement,
  runs: readonly RunView[],
  colors: Readonly<Record<string, number>>,
  theme: ThemeColors,
  focused: string | null,
  hostNow: number,
  events: TableEvents,
): void {
  const titles = [
    'Run',
    'Status',
    'Step',
    'Eval accuracy',
    'Best accuracy',
    'Eval loss',
    'Best loss',
    'Best step: loss vs accuracy',
    'Accuracy definition',
    'Warnings',
    'Files',
  ];
  const head = el('tr', {}, ...titles.map((title) => el('th', { scope: 'col' }, title)));
  const rows = runs.map((run) => {
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = runColor(theme, colors[run.id] ?? 0);
    const { byLoss, byAccuracy } = run.best;
    const live = isLive(run.updatedAt, hostNow);
    const disagree = byLoss !== null && byAccuracy !== null && byLoss.step !== byAccuracy.step;
    const firstLog = run.sources[0];
    const row = el(
      'tr',
      { 'data-run-id': run.id, tabindex: '0', 'aria-selected': String(run.id === focused), class: run.id === focused ? 'focused' : '' },
      el('th', { scope: 'row', title: run.id }, swatch, run.label),
      el('td', { class: live ? 'live' : 'idle' }, live ? '● live' : 'idle'),
      el('td', {}, run.latest === null ? '–' : String(run.latest.step)),
      el('td', { class: 'accuracy' }, formatPercent(run.latest?.accuracy, run.accuracyMeasure) + trendArrow(run)),
      el('td', {}, byAccuracy === null ? '–' : `${formatPercent(byAccuracy.accuracy, run.accuracyMeasure)} @ ${byAccuracy.step}`),
      el('td', {}, formatNumber(run.latest?.loss ?? lastValue(run.evalLoss?.values))),
      el('td', {}, byLoss === null ? '–' : `${formatNumber(byLoss.loss)} @ ${byLoss.step}`),
      el(
        'td',
        { class: disagree ? 'disagree' : '' },
        byLoss === null || byAccuracy === null ? '–' : disagree ? `${byLoss.step} vs ${byAccuracy.step}` : `${byLoss.step} (same)`,
      ),
      el(
        'td',
        { class: 'definition', title: [run.accuracyDefinition, run.accuracyNote].filter((text) => text !== null).join('\n\n') },
        run.accuracyDefinition === null ? 'none found' : (run.accuracyDefinition.split(':')[0] ?? run.accuracyDefinition),
      ),
      el('td', {}, run.warnings.length === 0 ? '–' : `⚠ ${run.warnings.length}`),
      el(
        'td',
        { class: 'actions' },
        button('Folder', `Reveal the folder of ${run.label}`, () => events.onRevealFolder(run.id)),
        firstLog === undefined ? '' : button('Log', `Open ${firstLog.path}`, () => events.onOpenLog(run.id, firstLog.path, null)),
      ),
    );
    const toggle = (): void => events.onFocus(run.id === focused ? null : run.id);
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        toggle();
      }
    });
    return row;
  });
  // Rows are rebuilt on every update: keyboard focus stays on the same run's row instead of falling to the page.
  const active = document.activeElement;
  const focusedRowId = active instanceof HTMLTableRowElement && table.contains(active) ? active.dataset['runId'] : undefined;
  table.replaceChildren(
    el('caption', { class: 'visually-hidden' }, 'Runs: click or press Enter on a row to focus its run on the charts'),
    el('thead', {}, head),
    el('tbody', {}, ...rows),
  );
  if (focusedRowId !== undefined) rows.find((row) => row.dataset['runId'] === focusedRowId)?.focus();
}

/** `value` is typed a number, but a NaN or an infinity crosses postMessage as JSON's null: said as such, never formatted. */
function evidenceText(name: string, value: number | null): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} = not a number`;
  const shown = Number.isInteger(value) ? String(value) : Math.abs(value) < 0.01 ? value.toExponential(2) : value.toFixed(4);
  return `${name} = ${shown}`;
}

/** Warnings as sentences with their confidence, the numbers they rest on, and a link to the log at that step. */
export function renderWarnings(list: HTMLElement, runs: readonly RunView[], events: TableEvents): void {
  const items = runs.flatMap((run) =>
    run.warnings.map((warning) => {
      const badge = el('vscode-badge', { class: `confidence-${warning.confidence}` }, warning.confidence);
      const evidence = el('ul', { class: 'evidence' }, ...Object.entries(warning.evidence).map(([name, value]) => el('li', {}, evidenceText(name, value))));
      const start = warningStart(warning);
      const log = run.sources[0];
      const actions = el(
        'p',
        { class: 'warning-actions' },
        button('Show on chart', `Focus ${run.label} on the charts`, () => events.onFocus(run.id)),
        log === undefined ? '' : button(`Open log at step ${start}`, `Open ${log.path} at step ${start}`, () => events.onOpenLog(run.id, log.path, start)),
        CHECKPOINT_KINDS.includes(warning.kind)
          ? button(
              'Find code that picks by loss',
              `Open the code that chooses checkpoints or stops training by the loss for ${run.label}, or search the workspace when none is known`,
              () => events.onFindCode(run.id),
            )
          : '',
      );
      return el(
        'li',
        { class: `warning ${warning.kind}`, 'data-kind': warning.kind, 'data-run-id': run.id },
        badge,
        el('strong', {}, ` ${run.label}: `),
        warning.message,
        el('details', {}, el('summary', {}, 'Evidence'), evidence),
        actions,
      );
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
  const notes = runs.flatMap((run) => (run.accuracyNote === null ? [] : [`${run.label}: ${run.accuracyNote}`]));
  element.textContent = [definitions.length === 0 ? 'No eval accuracy found yet.' : `Accuracy: ${definitions.join('; ')}.`, ...notes].join(' ');
}
