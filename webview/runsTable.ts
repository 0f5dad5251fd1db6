import type { RunView } from '../src/protocol';
import { isLive } from '../src/core/runStatus';
import { el, formatNumber, formatPercent } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { linkButton, relabel } from './linkButton';
import { runColor, type ThemeColors } from './theme';

export interface TableEvents {
  onFocus(runId: string | null): void;
  onRevealFolder(runId: string): void;
  onOpenLog(runId: string, path: string, step: number | null): void;
  onFindCode(runId: string): void;
}

export interface RunRowData {
  readonly run: RunView;
  readonly color: string;
  readonly focused: boolean;
  readonly live: boolean;
}

const TITLES = [
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

/** One run's row, built once and patched: focus on the row or its buttons, and a text selection in it, hold. */
class RunRow implements Component<RunRowData> {
  readonly element: HTMLTableRowElement;
  private data: RunRowData;
  private readonly swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  private readonly name = el('span', { class: 'run-name' });
  private readonly nameCell = el('th', { scope: 'row' }, this.swatch, this.name);
  /** In the order of the columns between the run's name and its files. */
  private readonly cells = {
    status: el('td'),
    step: el('td'),
    accuracy: el('td', { class: 'accuracy' }),
    bestAccuracy: el('td'),
    loss: el('td'),
    bestLoss: el('td'),
    bestStep: el('td'),
    definition: el('td', { class: 'definition' }),
    warnings: el('td'),
  };
  private readonly logButton: HTMLButtonElement;
  private readonly folderButton: HTMLButtonElement;

  constructor(data: RunRowData, events: TableEvents) {
    this.data = data;
    this.folderButton = linkButton('Folder', '', () => events.onRevealFolder(this.data.run.id));
    this.logButton = linkButton('Log', '', () => {
      const log = this.data.run.sources[0];
      if (log !== undefined) events.onOpenLog(this.data.run.id, log.path, null);
    });
    this.element = el(
      'tr',
      { 'data-run-id': data.run.id, tabindex: '0' },
      this.nameCell,
      ...Object.values(this.cells),
      el('td', { class: 'actions' }, this.folderButton, this.logButton),
    );
    const toggle = (): void => events.onFocus(this.data.focused ? null : this.data.run.id);
    this.element.addEventListener('click', toggle);
    this.element.addEventListener('keydown', (event) => {
      if (event.target !== this.element || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      toggle();
    });
  }

  update(data: RunRowData): void {
    this.data = data;
    const { run } = data;
    const { byLoss, byAccuracy } = run.best;
    const disagree = byLoss !== null && byAccuracy !== null && byLoss.step !== byAccuracy.step;
    setAttribute(this.element, 'aria-selected', String(data.focused));
    this.element.classList.toggle('focused', data.focused);
    this.swatch.style.backgroundColor = data.color;
    setAttribute(this.nameCell, 'title', run.id);
    setText(this.name, run.label);
    const { status, step, accuracy, bestAccuracy, loss, bestLoss, bestStep, definition, warnings } = this.cells;
    setAttribute(status, 'class', data.live ? 'live' : 'idle');
    setText(status, data.live ? '● live' : 'idle');
    setText(step, run.latest === null ? '–' : String(run.latest.step));
    setText(accuracy, formatPercent(run.latest?.accuracy, run.accuracyMeasure) + trendArrow(run));
    setText(bestAccuracy, byAccuracy === null ? '–' : `${formatPercent(byAccuracy.accuracy, run.accuracyMeasure)} @ ${byAccuracy.step}`);
    setText(loss, formatNumber(run.latest?.loss ?? lastValue(run.evalLoss?.values)));
    setText(bestLoss, byLoss === null ? '–' : `${formatNumber(byLoss.loss)} @ ${byLoss.step}`);
    setAttribute(bestStep, 'class', disagree ? 'disagree' : '');
    setText(bestStep, byLoss === null || byAccuracy === null ? '–' : disagree ? `${byLoss.step} vs ${byAccuracy.step}` : `${byLoss.step} (same)`);
    setAttribute(definition, 'title', [run.accuracyDefinition, run.accuracyNote].filter((text) => text !== null).join('\n\n'));
    setText(definition, run.accuracyDefinition === null ? 'none found' : (run.accuracyDefinition.split(':')[0] ?? run.accuracyDefinition));
    setText(warnings, run.warnings.length === 0 ? '–' : `⚠ ${run.warnings.length}`);
    relabel(this.folderButton, 'Folder', `Reveal the folder of ${run.label}`);
    const log = run.sources[0];
    this.logButton.hidden = log === undefined;
    if (log !== undefined) relabel(this.logButton, 'Log', `Open ${log.path}`);
  }
}

/**
 * The runs table: final and best values, the best step by loss against the best by accuracy, the accuracy
 * definition, live or idle, warnings. A row focuses its run (click, Enter or Space); a second time unfocuses.
 */
export class RunsTable implements Component<readonly RunRowData[]> {
  readonly element: HTMLTableElement;
  private readonly rows: KeyedList<RunRowData>;

  constructor(events: TableEvents) {
    const body = el('tbody');
    this.element = el(
      'table',
      { id: 'summary' },
      el('caption', { class: 'visually-hidden' }, 'Runs: click or press Enter on a row to focus its run on the charts'),
      el('thead', {}, el('tr', {}, ...TITLES.map((title) => el('th', { scope: 'col' }, title)))),
      body,
    );
    this.rows = new KeyedList(
      body,
      (data) => data.run.id,
      (data) => new RunRow(data, events),
    );
  }

  update(rows: readonly RunRowData[]): void {
    this.rows.update(rows);
  }
}

/** What each row shows besides its run: its colour, whether it is focused, live or idle on the host's clock. */
export function runRows(
  runs: readonly RunView[],
  colors: Readonly<Record<string, number>>,
  theme: ThemeColors,
  focused: string | null,
  hostNow: number,
): RunRowData[] {
  return runs.map((run) => ({ run, color: runColor(theme, colors[run.id] ?? 0), focused: run.id === focused, live: isLive(run.updatedAt, hostNow) }));
}
