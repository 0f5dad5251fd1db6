import type { RunView } from '../src/protocol';
import { MAX_ALIAS_LENGTH } from '../src/core/runAliases';
import { isLive } from '../src/core/runStatus';
import { el, formatNumber, formatPercent } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { linkButton, relabel } from './linkButton';
import { formatParameter, parameterNames } from './paramColumns';
import { FIXED_SORT_VALUES, lastValue, nextSort, PARAM_PREFIX, parameterSortValue, sortBy, type SortValue, type TableSort } from './runsSort';
import { runColor, type ThemeColors } from './theme';
import { xAt } from '../src/core/xUnit';

export interface TableEvents {
  onFocus(runId: string | null): void;
  onRevealFolder(runId: string): void;
  onOpenLog(runId: string, path: string, step: number | null): void;
  onFindCode(runId: string): void;
}

/** What only the table does: sort, choose parameter columns, rename runs. */
export interface TableViewEvents {
  onSort(sort: TableSort | null): void;
  /** A parameter column added (true) or removed (false) by the user. */
  onParamColumn(name: string, shown: boolean): void;
  /** The user renamed a run (an empty alias gives it back its own label). */
  onRename(runId: string, alias: string): void;
  /** The parameter to group runs over (null: no grouping). */
  onGroupOver(name: string | null): void;
}

/** What the table shows: its rows in the host's order, the sort to apply, the parameter columns. */
export interface TableData {
  readonly rows: readonly RunRowData[];
  readonly sort: TableSort | null;
  readonly paramColumns: readonly string[];
  /** The parameter runs are grouped over, and the note saying what that did (null: no grouping). */
  readonly groupOver: string | null;
  readonly groupNote: string | null;
  /**
   * While the panel fills in with many runs, the rows listed so far, in the table's order (the others follow):
   * laying out a thousand rows took 0.3 s before the first chart could show. Undefined: every row.
   */
  readonly rowLimit?: number | undefined;
}

export interface RunRowData {
  readonly run: RunView;
  readonly color: string;
  readonly focused: boolean;
  readonly live: boolean;
  /** The group the run is drawn in (its label), null when drawn alone. */
  readonly group: string | null;
}

/** A row's value in a column, for the sort. */
export function sortValueOf(row: RunRowData, column: string): SortValue {
  if (column.startsWith(PARAM_PREFIX)) return parameterSortValue(row.run.parameters[column.slice(PARAM_PREFIX.length)]);
  return FIXED_SORT_VALUES[column]?.(row.run, row.live, row.run.label) ?? null;
}

/** The fixed columns between the run's name and its files: id (as the sort names it) and title. */
const COLUMNS: readonly (readonly [string, string])[] = [
  ['run', 'Run'],
  ['status', 'Status'],
  ['step', 'Step'],
  ['accuracy', 'Eval accuracy'],
  ['bestAccuracy', 'Best accuracy'],
  ['loss', 'Eval loss'],
  ['bestLoss', 'Best loss'],
  ['bestStep', 'Best step: loss vs accuracy'],
  ['definition', 'Accuracy definition'],
  ['warnings', 'Warnings'],
];

function trendArrow(run: RunView): string {
  const latest = run.latest;
  if (latest === null || latest.previousAccuracy === null) return '';
  return latest.accuracy > latest.previousAccuracy ? ' ↑' : latest.accuracy < latest.previousAccuracy ? ' ↓' : ' →';
}

/** One run's row, built once and patched: focus on the row or its buttons, and a text selection in it, hold. */
class RunRow implements Component<RunRowData> {
  readonly element: HTMLTableRowElement;
  private data: RunRowData;
  private readonly swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  private readonly name = el('span', { class: 'run-name' });
  private readonly groupTag = el('span', { class: 'group-tag note', hidden: '' });
  private readonly nameCell = el('th', { scope: 'row' }, this.swatch, this.name, this.groupTag);
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
  private readonly renameButton: HTMLButtonElement;
  /** The run's name as an input while the user renames it; null otherwise. */
  private renaming: HTMLInputElement | null = null;
  /** One cell per parameter column, kept by name, placed after the run's name. */
  private readonly paramCells = new Map<string, HTMLTableCellElement>();
  private paramColumns: readonly string[] = [];

  constructor(data: RunRowData, events: TableEvents, viewEvents: TableViewEvents) {
    this.data = data;
    this.renameButton = linkButton('Rename', '', () => this.startRename(viewEvents));
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
      el('td', { class: 'actions' }, this.folderButton, this.logButton, this.renameButton),
    );
    const toggle = (): void => events.onFocus(this.data.focused ? null : this.data.run.id);
    this.element.addEventListener('click', toggle);
    this.element.addEventListener('keydown', (event) => {
      if (event.target !== this.element || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      toggle();
    });
  }

  /** The name becomes an input: Enter or leaving it renames the run, Escape keeps the name; an empty name clears the alias. */
  private startRename(viewEvents: TableViewEvents): void {
    if (this.renaming !== null) return;
    const input = el('input', { type: 'text', class: 'rename', maxlength: String(MAX_ALIAS_LENGTH), 'aria-label': `New name for ${this.data.run.label}` });
    input.value = this.data.run.label;
    this.renaming = input;
    const finish = (commit: boolean): void => {
      if (this.renaming !== input) return;
      this.renaming = null;
      input.remove();
      this.name.hidden = false;
      if (commit && input.value.trim() !== this.data.run.label) viewEvents.onRename(this.data.run.id, input.value);
      this.element.focus();
    };
    input.addEventListener('click', (event) => event.stopPropagation());
    input.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Enter') finish(true);
      else if (event.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    this.name.hidden = true;
    this.name.after(input);
    input.focus();
    input.select();
  }

  /** The parameter columns, set before `update` so that a new row has its cells when first patched. */
  setParamColumns(columns: readonly string[]): void {
    if (columns.length === this.paramColumns.length && columns.every((name, i) => name === this.paramColumns[i])) return;
    this.paramColumns = columns;
    for (const [name, cell] of this.paramCells) {
      if (columns.includes(name)) continue;
      cell.remove();
      this.paramCells.delete(name);
    }
    let previous: Element = this.nameCell;
    for (const name of columns) {
      let cell = this.paramCells.get(name);
      if (cell === undefined) {
        cell = el('td', { class: 'param' });
        this.paramCells.set(name, cell);
      }
      if (previous.nextElementSibling !== cell) previous.after(cell);
      previous = cell;
    }
  }

  update(data: RunRowData): void {
    this.data = data;
    for (const [name, cell] of this.paramCells) setText(cell, formatParameter(data.run.parameters[name]));
    const { run } = data;
    const { byLoss, byAccuracy } = run.best;
    const disagree = byLoss !== null && byAccuracy !== null && byLoss.step !== byAccuracy.step;
    setAttribute(this.element, 'aria-selected', String(data.focused));
    this.element.classList.toggle('focused', data.focused);
    this.swatch.style.backgroundColor = data.color;
    setAttribute(this.nameCell, 'title', run.id);
    setText(this.name, run.label);
    this.groupTag.hidden = data.group === null;
    setText(this.groupTag, data.group === null ? '' : ` in group ${data.group}`);
    const { status, step, accuracy, bestAccuracy, loss, bestLoss, bestStep, definition, warnings } = this.cells;
    // A run whose x is the epoch (a notebook's printed dicts) says so in the Step columns: `epoch 1.5`.
    const x = (value: number): string => (run.xUnit === 'epoch' ? xAt('epoch', value) : String(value));
    setAttribute(status, 'class', data.live ? 'live' : 'idle');
    setText(status, data.live ? '● live' : 'idle');
    setText(step, run.latest === null ? '–' : x(run.latest.step));
    setText(accuracy, formatPercent(run.latest?.accuracy, run.accuracyMeasure) + trendArrow(run));
    setText(bestAccuracy, byAccuracy === null ? '–' : `${formatPercent(byAccuracy.accuracy, run.accuracyMeasure)} @ ${x(byAccuracy.step)}`);
    setText(loss, formatNumber(run.latest?.loss ?? lastValue(run.evalLoss?.values)));
    setText(bestLoss, byLoss === null ? '–' : `${formatNumber(byLoss.loss)} @ ${x(byLoss.step)}`);
    setAttribute(bestStep, 'class', disagree ? 'disagree' : '');
    setText(bestStep, byLoss === null || byAccuracy === null ? '–' : disagree ? `${x(byLoss.step)} vs ${byAccuracy.step}` : `${x(byLoss.step)} (same)`);
    setAttribute(definition, 'title', [run.accuracyDefinition, run.accuracyNote].filter((text) => text !== null).join('\n\n'));
    setText(definition, run.accuracyDefinition === null ? 'none found' : (run.accuracyDefinition.split(':')[0] ?? run.accuracyDefinition));
    setText(warnings, run.warnings.length === 0 ? '–' : `⚠ ${run.warnings.length}`);
    relabel(this.folderButton, 'Folder', `Reveal the folder of ${run.label}`);
    relabel(this.renameButton, 'Rename', `Rename ${run.label} in this workspace`);
    const log = run.sources[0];
    this.logButton.hidden = log === undefined;
    if (log !== undefined) relabel(this.logButton, 'Log', `Open ${log.path}`);
  }
}

/**
 * The runs table: final and best values, the best step by loss against the best by accuracy, the accuracy
 * definition, live or idle, warnings, and the runs' parameters. A row focuses its run (click, Enter or Space);
 * a second time unfocuses. A header sorts by its column (click or Enter: ascending, descending, unsorted).
 */
export class RunsTable implements Component<TableData> {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly rows: KeyedList<RunRowData>;
  private readonly rowComponents = new Map<string, RunRow>();
  private readonly headRow: HTMLTableRowElement;
  private readonly fixedHeads = new Map<string, HTMLTableCellElement>();
  private readonly paramHeads = new Map<string, HTMLTableCellElement>();
  private readonly filesHead = el('th', { scope: 'col' }, 'Files');
  private readonly picker = el('details', { class: 'param-picker' });
  private readonly pickerList = el('div', { class: 'param-list' });
  private readonly groupSelect = el('select', { id: 'group-over', 'aria-label': 'Group runs that differ only in this parameter' });
  private readonly groupNote = el('p', { id: 'group-note', class: 'note', hidden: '' });
  private data: TableData = { rows: [], sort: null, paramColumns: [], groupOver: null, groupNote: null };

  constructor(
    events: TableEvents,
    private readonly viewEvents: TableViewEvents,
  ) {
    const body = el('tbody');
    this.headRow = el('tr', {});
    for (const [id, title] of COLUMNS) this.fixedHeads.set(id, this.sortableHead(id, title));
    this.headRow.append(...this.fixedHeads.values(), this.filesHead);
    this.table = el(
      'table',
      { id: 'summary' },
      el('caption', { class: 'visually-hidden' }, 'Runs: click or press Enter on a row to focus its run on the charts, on a column header to sort by it'),
      el('thead', {}, this.headRow),
      body,
    );
    this.picker.append(el('summary', {}, 'Parameter columns'), this.pickerList);
    // The box scrolls sideways, so a wide table (many columns, long names) is never cut off by the panel.
    this.groupSelect.addEventListener('change', () => this.viewEvents.onGroupOver(this.groupSelect.value === '' ? null : this.groupSelect.value));
    const grouping = el('label', { class: 'group-over' }, 'Group runs differing only in ', this.groupSelect);
    this.element = el(
      'div',
      { class: 'runs-table' },
      el('div', { class: 'table-tools' }, this.picker, grouping),
      this.groupNote,
      el('div', { class: 'table-box' }, this.table),
    );
    this.rows = new KeyedList(
      body,
      (data) => data.run.id,
      (data) => {
        const row = new RunRow(data, events, this.viewEvents);
        row.setParamColumns(this.data.paramColumns);
        this.rowComponents.set(data.run.id, row);
        return row;
      },
    );
  }

  private sortableHead(column: string, title: string): HTMLTableCellElement {
    const head = el('th', { scope: 'col', class: 'sortable', tabindex: '0', 'aria-sort': 'none', 'data-column': column }, title);
    const sort = (): void => this.viewEvents.onSort(nextSort(this.data.sort, column));
    head.addEventListener('click', sort);
    head.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      sort();
    });
    return head;
  }

  update(data: TableData): void {
    this.data = data;
    this.updateHeads(data);
    this.updatePicker(data);
    this.updateGrouping(data);
    const ids = new Set(data.rows.map((row) => row.run.id));
    for (const id of this.rowComponents.keys()) if (!ids.has(id)) this.rowComponents.delete(id);
    for (const row of this.rowComponents.values()) row.setParamColumns(data.paramColumns);
    const { sort } = data;
    const sorted = sort === null ? data.rows : sortBy(data.rows, (row) => sortValueOf(row, sort.column), sort.descending);
    this.rows.update(data.rowLimit === undefined ? sorted : sorted.slice(0, data.rowLimit));
  }

  private updateHeads({ sort, paramColumns }: TableData): void {
    for (const [name, head] of this.paramHeads) {
      if (paramColumns.includes(name)) continue;
      head.remove();
      this.paramHeads.delete(name);
    }
    let previous: Element | undefined = this.fixedHeads.get('run');
    for (const name of paramColumns) {
      let head = this.paramHeads.get(name);
      if (head === undefined) {
        head = this.sortableHead(PARAM_PREFIX + name, name);
        head.classList.add('param');
        head.title = `Parameter ${name}`;
        this.paramHeads.set(name, head);
      }
      if (previous !== undefined && previous.nextElementSibling !== head) previous.after(head);
      previous = head;
    }
    for (const head of [...this.fixedHeads.values(), ...this.paramHeads.values()]) {
      const column = head.dataset['column'];
      setAttribute(head, 'aria-sort', sort === null || sort.column !== column ? 'none' : sort.descending ? 'descending' : 'ascending');
    }
  }

  /** The grouping choice: every parameter any run has (the chosen one kept while no run has it), and what grouping did. */
  private updateGrouping({ rows, groupOver, groupNote }: TableData): void {
    const names = parameterNames(rows.map((row) => row.run));
    const options = ['', ...names, ...(groupOver !== null && !names.includes(groupOver) ? [groupOver] : [])];
    const current = [...this.groupSelect.options].map((option) => option.value);
    if (current.length !== options.length || current.some((name, i) => name !== options[i])) {
      this.groupSelect.replaceChildren(...options.map((name) => el('option', { value: name }, name === '' ? '(no grouping)' : name)));
    }
    const value = groupOver ?? '';
    if (this.groupSelect.value !== value) this.groupSelect.value = value;
    this.groupSelect.parentElement?.toggleAttribute('hidden', names.length === 0 && groupOver === null);
    this.groupNote.hidden = groupNote === null;
    setText(this.groupNote, groupNote ?? '');
  }

  /** One checkbox per parameter any run has, checked when its column shows; rebuilt only when the names change. */
  private updatePicker({ rows, paramColumns }: TableData): void {
    const names = parameterNames(rows.map((row) => row.run));
    this.picker.hidden = names.length === 0;
    const current = [...this.pickerList.querySelectorAll<HTMLInputElement>('input')].map((box) => box.value);
    if (current.length !== names.length || current.some((name, i) => name !== names[i])) {
      this.pickerList.replaceChildren(
        ...names.map((name) => {
          const box = el('input', { type: 'checkbox', value: name });
          box.addEventListener('change', () => this.viewEvents.onParamColumn(name, box.checked));
          return el('label', {}, box, ` ${name}`);
        }),
      );
    }
    for (const box of this.pickerList.querySelectorAll<HTMLInputElement>('input')) box.checked = paramColumns.includes(box.value);
  }
}

/** What each row shows besides its run: its colour, whether it is focused, live or idle on the host's clock. */
export function runRows(
  runs: readonly RunView[],
  colors: Readonly<Record<string, number>>,
  theme: ThemeColors,
  focused: string | null,
  hostNow: number,
  groups: ReadonlyMap<string, string> = new Map(),
): RunRowData[] {
  return runs.map((run) => ({
    run,
    color: runColor(theme, colors[run.id] ?? 0),
    focused: run.id === focused,
    live: isLive(run.updatedAt, hostNow),
    group: groups.get(run.id) ?? null,
  }));
}
