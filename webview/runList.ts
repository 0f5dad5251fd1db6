import type { RunView } from '../src/protocol';
import { el } from './dom';
import { runMatcher } from './runFilter';
import { runColor, type ThemeColors } from './theme';

export interface RunListEvents {
  onFilter(filter: string): void;
  onVisibility(runIds: readonly string[], visible: boolean): void;
}

/**
 * The run list: a filter (regular expression, as TensorBoard's), show and hide per run, and show or hide
 * every run the filter matches. Native checkboxes: a thousand runs stay quick, and each has its label.
 */
export class RunList {
  readonly element: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLElement;
  private matching: readonly RunView[] = [];

  constructor(
    filter: string,
    private readonly events: RunListEvents,
  ) {
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
    this.element = el(
      'nav',
      { class: 'runs-pane', 'aria-label': 'Runs' },
      el('div', { class: 'run-filter-row' }, this.filterInput, showAll, hideAll),
      this.count,
      this.list,
    );
  }

  render(
    runs: readonly RunView[],
    filter: string,
    hidden: readonly string[],
    colors: Readonly<Record<string, number>>,
    theme: ThemeColors,
    focused: string | null,
  ): void {
    const matcher = runMatcher(filter);
    this.filterInput.classList.toggle('plain-text', !matcher.regexValid);
    this.filterInput.title = matcher.regexValid ? 'Regular expression, case-insensitive' : 'Not a valid regular expression: matched as plain text';
    this.matching = runs.filter((run) => matcher.matches(run.label));
    const shown = this.matching.filter((run) => !hidden.includes(run.id)).length;
    this.count.textContent = `${shown} shown · ${this.matching.length} of ${runs.length} runs match`;
    this.list.replaceChildren(
      ...this.matching.map((run) => {
        const box = el('input', { type: 'checkbox', 'data-run-id': run.id });
        box.checked = !hidden.includes(run.id);
        box.addEventListener('change', () => this.events.onVisibility([run.id], box.checked));
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = runColor(theme, colors[run.id] ?? 0);
        const warn =
          run.warnings.length > 0
            ? el('span', { class: 'warn-mark', title: `${run.warnings.length} warning(s)`, 'aria-label': `${run.warnings.length} warnings` }, '⚠')
            : '';
        return el(
          'li',
          { class: run.id === focused ? 'focused' : '' },
          el('label', { title: run.id }, box, swatch, el('span', { class: 'run-label' }, run.label), warn),
        );
      }),
    );
  }

  /** Sets the filter from outside (a run focused from the tree must be listed). */
  setFilter(filter: string): void {
    this.filterInput.value = filter;
  }
}
