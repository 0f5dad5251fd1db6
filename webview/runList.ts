import type { RunView } from '../src/protocol';
import { el } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { runMatcher } from './runFilter';
import { runColor, type ThemeColors } from './theme';

export interface RunListEvents {
  onFilter(filter: string): void;
  onVisibility(runIds: readonly string[], visible: boolean): void;
  /** The pointer is over a run's entry (null: over none): the charts annotate it while it stays. */
  onHover(runId: string | null): void;
  /** The user pinned (true) or unpinned a run: its markers show besides the focused or pointed-at run's. */
  onPin(runId: string, pinned: boolean): void;
}

export interface RunListData {
  readonly runs: readonly RunView[];
  readonly filter: string;
  readonly hidden: readonly string[];
  readonly colors: Readonly<Record<string, number>>;
  readonly theme: ThemeColors;
  readonly focused: string | null;
  readonly pinned: readonly string[];
}

interface RunItemData {
  readonly run: RunView;
  readonly visible: boolean;
  readonly color: string;
  readonly focused: boolean;
  readonly pinned: boolean;
}

/** One run's entry, built once: focus on its checkbox holds while the run writes. */
class RunItem implements Component<RunItemData> {
  readonly element: HTMLElement;
  private data: RunItemData;
  private readonly box: HTMLInputElement;
  private readonly swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  private readonly name = el('span', { class: 'run-label' });
  private readonly warn = el('span', { class: 'warn-mark' }, '⚠');
  private readonly label: HTMLElement;
  private readonly pin: HTMLButtonElement;

  constructor(data: RunItemData, events: RunListEvents) {
    this.data = data;
    // A toggle button (aria-pressed), beside the label rather than in it: a click pins without hiding the run.
    this.pin = el('button', { type: 'button', class: 'pin', 'data-pin-run-id': data.run.id, 'aria-pressed': 'false' }, '☆');
    this.pin.addEventListener('click', () => events.onPin(this.data.run.id, !this.data.pinned));
    this.box = el('input', { type: 'checkbox', 'data-run-id': data.run.id });
    this.box.addEventListener('change', () => events.onVisibility([this.data.run.id], this.box.checked));
    this.label = el('label', {}, this.box, this.swatch, this.name, this.warn);
    this.element = el('li', {}, this.label, this.pin);
    this.element.addEventListener('mouseenter', () => events.onHover(this.data.run.id));
    this.element.addEventListener('mouseleave', () => events.onHover(null));
  }

  update(data: RunItemData): void {
    this.data = data;
    const { run } = data;
    if (this.box.checked !== data.visible) this.box.checked = data.visible;
    this.swatch.style.backgroundColor = data.color;
    setText(this.name, run.label);
    setAttribute(this.label, 'title', run.id);
    this.element.classList.toggle('focused', data.focused);
    this.element.classList.toggle('pinned', data.pinned);
    setAttribute(this.pin, 'aria-pressed', String(data.pinned));
    // Stars rather than a pin emoji: every font has them, an emoji font is not everywhere.
    setText(this.pin, data.pinned ? '★' : '☆');
    setAttribute(this.pin, 'aria-label', `${data.pinned ? 'Unpin' : 'Pin'} ${run.label}: its markers and shaded stretches show besides the focused run's`);
    setAttribute(
      this.pin,
      'title',
      data.pinned ? 'Pinned: its markers show with the focused run’s. Click to unpin.' : 'Pin: show its markers with the focused run’s',
    );
    const count = run.warnings.length;
    this.warn.hidden = count === 0;
    setAttribute(this.warn, 'title', `${count} warning(s)`);
    setAttribute(this.warn, 'aria-label', `${count} warnings`);
  }
}

/**
 * The run list: a filter (regular expression, as TensorBoard's), show and hide per run, and show or hide
 * every run the filter matches. Native checkboxes: a thousand runs stay quick, and each has its label.
 */
export class RunList implements Component<RunListData> {
  readonly element: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLElement;
  private readonly items: KeyedList<RunItemData>;
  private matching: readonly RunView[] = [];

  constructor(filter: string, events: RunListEvents) {
    this.filterInput = el('input', {
      type: 'search',
      id: 'run-filter',
      placeholder: 'Filter runs (regex)',
      'aria-label': 'Filter runs by name, regular expression',
      value: filter,
      spellcheck: 'false',
    });
    this.count = el('span', { id: 'run-count', class: 'note', 'aria-live': 'polite' });
    this.list = el('ul', { id: 'run-list', class: 'run-list', 'aria-label': 'Runs: check to show on the charts' });
    const showAll = el('button', { type: 'button', id: 'show-all-runs', title: 'Show every run the filter matches' }, 'Show all');
    const hideAll = el('button', { type: 'button', id: 'hide-all-runs', title: 'Hide every run the filter matches' }, 'Hide all');
    showAll.addEventListener('click', () =>
      events.onVisibility(
        this.matching.map((run) => run.id),
        true,
      ),
    );
    hideAll.addEventListener('click', () =>
      events.onVisibility(
        this.matching.map((run) => run.id),
        false,
      ),
    );
    this.filterInput.addEventListener('input', () => events.onFilter(this.filterInput.value));
    this.items = new KeyedList(
      this.list,
      (data) => data.run.id,
      (data) => new RunItem(data, events),
    );
    this.element = el(
      'nav',
      { class: 'runs-pane', 'aria-label': 'Runs' },
      el('div', { class: 'run-filter-row' }, this.filterInput, showAll, hideAll),
      this.count,
      this.list,
    );
  }

  update({ runs, filter, hidden, colors, theme, focused, pinned }: RunListData): void {
    const matcher = runMatcher(filter);
    this.filterInput.classList.toggle('plain-text', !matcher.regexValid);
    this.filterInput.title = matcher.regexValid ? 'Regular expression, case-insensitive' : 'Not a valid regular expression: matched as plain text';
    this.matching = runs.filter((run) => matcher.matches(run.label));
    const shown = this.matching.filter((run) => !hidden.includes(run.id)).length;
    setText(this.count, `${shown} shown · ${this.matching.length} of ${runs.length} runs match`);
    this.items.update(
      this.matching.map((run) => ({
        run,
        visible: !hidden.includes(run.id),
        color: runColor(theme, colors[run.id] ?? 0),
        focused: run.id === focused,
        pinned: pinned.includes(run.id),
      })),
    );
  }

  /** Sets the filter from outside (a run focused from the tree must be listed). */
  setFilter(filter: string): void {
    this.filterInput.value = filter;
  }
}
