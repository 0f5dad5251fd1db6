import type { TokenContext, TokensView } from '../src/core/tokens/tokenContexts';
import type { RunView, WebviewMessage } from '../src/protocol';
import { calibrationRunId } from './calibrationData';
import { el } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { bucketsText, confidenceShade, rowCells, SORT_TITLES, sortTokenRows, tokenName, type TokenRow, type TokensSort } from './tokensData';

const CELLS = ['count', 'share', 'nll', 'accuracy', 'overconfident'] as const;

function byKey<K extends string, V>(keys: readonly K[], make: (key: K) => V): Record<K, V> {
  const result = {} as Record<K, V>;
  for (const key of keys) result[key] = make(key);
  return result;
}

/** One token's row, built once and patched; its name is a button that shows the token's contexts. */
class TokenRowItem implements Component<TokenRow> {
  readonly element = el('tr');
  private readonly name = el('button', { class: 'link-button token-name', type: 'button' });
  private readonly cells = byKey(CELLS, (cell) => el('td', { class: `token-${cell}` }));
  private id = -1;

  constructor(
    private readonly choose: (id: number) => void,
    private readonly chosen: () => number | null,
  ) {
    this.name.addEventListener('click', () => this.choose(this.id));
    this.element.append(el('th', { scope: 'row' }, this.name), ...CELLS.map((cell) => this.cells[cell]));
  }

  update(row: TokenRow): void {
    this.id = row.id;
    this.element.dataset['tokenId'] = String(row.id);
    setText(this.name, tokenName(row));
    setAttribute(this.name, 'aria-pressed', String(this.chosen() === row.id));
    const cells = rowCells(row);
    for (const cell of CELLS) setText(this.cells[cell], cells[cell]);
  }
}

/** One context at both evaluations: a line of tokens each, coloured right or wrong and shaded by the model's confidence. */
class ContextItem implements Component<{ readonly context: TokenContext; readonly steps: readonly [number, number] }> {
  readonly element = el('div', { class: 'token-context' });
  private signature = '';

  update({ context, steps }: { readonly context: TokenContext; readonly steps: readonly [number, number] }): void {
    const signature = JSON.stringify([context, steps]);
    if (signature === this.signature) return;
    this.signature = signature;
    const line = (side: 'from' | 'to', step: number): HTMLElement =>
      el(
        'div',
        { class: 'token-context-line' },
        el('span', { class: 'token-context-step' }, `step ${step}`),
        ...context.tokens.map((token) => {
          const mark = token[side];
          const span = el(
            'span',
            {
              class: `context-token ${mark.correct ? 'context-right' : 'context-wrong'}${token.centre ? ' context-centre' : ''}`,
              title: `${tokenName(token)} at position ${token.position}: ${mark.correct ? 'right' : 'wrong'}${mark.confidence === null ? '' : `, confidence ${(mark.confidence * 100).toFixed(1)}%`}`,
            },
            token.text ?? `#${token.id}`,
          );
          span.style.opacity = String(confidenceShade(mark.confidence));
          return span;
        }),
      );
    this.element.replaceChildren(
      el('div', { class: 'note' }, `sequence ${context.sequence}, position ${context.position}`),
      line('from', steps[0]),
      line('to', steps[1]),
    );
  }
}

/**
 * The Tokens section beside the calibration view: which target tokens carry the loss change between two
 * evaluations of the run, sortable, and for a chosen token a few of its contexts at both.
 */
export class TokensSection {
  readonly element: HTMLElement;
  private readonly heading = el('h2', {}, 'Tokens');
  private readonly note = el('p', { class: 'note', id: 'tokens-note' });
  private readonly buckets = el('p', { class: 'note', id: 'tokens-buckets' });
  private readonly body = el('tbody');
  private readonly rows = new KeyedList<TokenRow>(
    this.body,
    (row) => String(row.id),
    () =>
      new TokenRowItem(
        (id) => this.choose(id),
        () => this.chosen,
      ),
  );
  private readonly sortButtons: Record<TokensSort, HTMLButtonElement>;
  private readonly headers: Record<TokensSort, HTMLElement>;
  private readonly contextsTitle = el('h3', { id: 'tokens-contexts-title' });
  private readonly contextsBox = el('div', { id: 'tokens-contexts' });
  private readonly contexts = new KeyedList<{ readonly context: TokenContext; readonly steps: readonly [number, number] }>(
    this.contextsBox,
    ({ context }) => `${context.sequence}:${context.position}`,
    () => new ContextItem(),
  );
  private readonly table: HTMLTableElement;
  private runId: string | null = null;
  private signature = '';
  private view: TokensView | null = null;
  private sort: TokensSort = 'share';
  private chosen: number | null = null;

  constructor(private readonly post: (message: WebviewMessage) => void) {
    const sorts: TokensSort[] = ['share', 'overconfident', 'accuracy'];
    this.sortButtons = byKey(sorts, (sort) => el('button', { class: 'link-button', type: 'button', id: `tokens-sort-${sort}` }, SORT_TITLES[sort]));
    this.headers = byKey(sorts, (sort) => el('th', { scope: 'col' }, this.sortButtons[sort]));
    for (const sort of sorts)
      this.sortButtons[sort].addEventListener('click', () => {
        this.sort = sort;
        this.draw();
      });
    this.table = el(
      'table',
      { class: 'tokens-table', id: 'tokens-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Token'),
          el('th', { scope: 'col' }, 'Positions'),
          this.headers.share,
          el('th', { scope: 'col' }, 'Mean NLL'),
          this.headers.accuracy,
          this.headers.overconfident,
        ),
      ),
      this.body,
    );
    this.element = el(
      'section',
      { class: 'tokens', id: 'tokens', 'aria-label': 'Tokens carrying the loss change', hidden: '' },
      this.heading,
      this.note,
      this.buckets,
      this.table,
      this.contextsTitle,
      el(
        'p',
        { class: 'note' },
        'Each context is the label sequence around the token, at both evaluations: green where the model was right, red where wrong, fainter where it was less sure (its confidence, max p); the chosen token is outlined.',
      ),
      this.contextsBox,
    );
  }

  /** Called on every render of the panel: the run the calibration section shows, its view asked for when its files changed. */
  render(runs: readonly RunView[], focusedRunId: string | null): void {
    const runId = calibrationRunId(runs, focusedRunId);
    const run = runs.find((candidate) => candidate.id === runId);
    if (runId === null || run === undefined) {
      this.element.hidden = true;
      this.runId = null;
      this.signature = '';
      return;
    }
    const signature = JSON.stringify([run.id, run.updatedAt, run.sources.length, run.latest?.step ?? null]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.runId = runId;
    setText(this.heading, `Tokens carrying the loss change of ${run.label}`);
    this.post({ type: 'requestTokens', runId });
  }

  receive(runId: string, view: TokensView | null): void {
    if (runId !== this.runId) return;
    this.view = view;
    this.draw();
  }

  private choose(id: number): void {
    this.chosen = this.chosen === id ? null : id;
    this.draw();
  }

  private draw(): void {
    const view = this.view;
    this.element.hidden = view === null;
    if (view === null) return;
    if ('refused' in view) {
      setText(this.note, view.refused);
      setText(this.buckets, '');
      this.table.hidden = true;
      this.rows.update([]);
      this.contexts.update([]);
      setText(this.contextsTitle, '');
      return;
    }
    this.table.hidden = false;
    const total = view.totalNllChange === null ? '' : `; total NLL change ${view.totalNllChange.toFixed(3)} nats`;
    setText(
      this.note,
      `Step ${view.fromStep} → ${view.toStep}: ${view.chosen}; ${view.pairedPositions} positions paired, ${view.rows.length} of ${view.distinctTokens} tokens listed${total}. ` +
        `Over-confident errors: wrong with confidence above ${view.overconfidence}. ${view.shares.defined ? '' : view.shares.how}`,
    );
    setText(this.buckets, bucketsText(view.positionBuckets));
    for (const [sort, header] of Object.entries(this.headers) as [TokensSort, HTMLElement][])
      setAttribute(header, 'aria-sort', sort === this.sort ? (sort === 'accuracy' ? 'ascending' : 'descending') : 'none');
    if (this.chosen !== null && !view.rows.some((row) => row.id === this.chosen)) this.chosen = null;
    this.rows.update(sortTokenRows(view.rows, this.sort));
    const row = view.rows.find((candidate) => candidate.id === this.chosen);
    setText(this.contextsTitle, row === undefined ? 'Choose a token to see its contexts.' : `Contexts of ${tokenName(row)}`);
    const steps: readonly [number, number] = [view.fromStep, view.toStep];
    this.contexts.update((row?.contexts ?? []).map((context) => ({ context, steps })));
  }
}
