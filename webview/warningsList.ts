import type { RunView } from '../src/protocol';
import type { Warning } from '../src/core/analysis/warning';
import { warningStart } from './chartData';
import { el } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { linkButton, relabel } from './linkButton';
import type { TableEvents } from './runsTable';

/** Warnings about which checkpoint to keep: the code or config that picks it by loss is worth finding. */
const CHECKPOINT_KINDS: readonly string[] = ['misleading-loss', 'checkpoint-disagreement'];

interface WarningData {
  readonly run: RunView;
  readonly warning: Warning;
}

/** `value` is typed a number, but a NaN or an infinity crosses postMessage as JSON's null: said as such, never formatted. */
function evidenceText(name: string, value: number | null): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} = not a number`;
  const shown = Number.isInteger(value) ? String(value) : Math.abs(value) < 0.01 ? value.toExponential(2) : value.toFixed(4);
  return `${name} = ${shown}`;
}

/**
 * One warning card, built once: its "Evidence" stays open, and a selection in its text stays, while the run
 * writes; only the text that changed is replaced.
 */
class WarningCard implements Component<WarningData> {
  readonly element: HTMLElement;
  private data: WarningData;
  private readonly badge = el('vscode-badge');
  private readonly runName = el('strong');
  private readonly message = document.createTextNode('');
  private readonly evidence = el('ul', { class: 'evidence' });
  private readonly logButton: HTMLButtonElement;
  private readonly focusButton: HTMLButtonElement;
  private readonly codeButton: HTMLButtonElement | null;

  constructor(data: WarningData, events: TableEvents) {
    this.data = data;
    const { kind } = data.warning;
    this.focusButton = linkButton('Show on chart', '', () => events.onFocus(this.data.run.id));
    this.logButton = linkButton('', '', () => {
      const log = this.data.run.sources[0];
      if (log !== undefined) events.onOpenLog(this.data.run.id, log.path, warningStart(this.data.warning));
    });
    this.codeButton = CHECKPOINT_KINDS.includes(kind) ? linkButton('Find code that picks by loss', '', () => events.onFindCode(this.data.run.id)) : null;
    this.element = el(
      'li',
      { class: `warning ${kind}`, 'data-kind': kind, 'data-run-id': data.run.id },
      this.badge,
      this.runName,
      this.message,
      el('details', {}, el('summary', {}, 'Evidence'), this.evidence),
      el('p', { class: 'warning-actions' }, this.focusButton, this.logButton, this.codeButton ?? ''),
    );
  }

  update(data: WarningData): void {
    this.data = data;
    const { run, warning } = data;
    setAttribute(this.badge, 'class', `confidence-${warning.confidence}`);
    setText(this.badge, warning.confidence);
    setText(this.runName, ` ${run.label}: `);
    setText(this.message, warning.message);
    const lines = Object.entries(warning.evidence).map(([name, value]) => evidenceText(name, value));
    const items = [...this.evidence.children];
    lines.forEach((line, i) => {
      const item = items[i];
      if (item === undefined) this.evidence.append(el('li', {}, line));
      else setText(item, line);
    });
    for (const extra of items.slice(lines.length)) extra.remove();
    relabel(this.focusButton, 'Show on chart', `Focus ${run.label} on the charts`);
    const start = warningStart(warning);
    const log = run.sources[0];
    this.logButton.hidden = log === undefined;
    if (log !== undefined) relabel(this.logButton, `Open log at step ${start}`, `Open ${log.path} at step ${start}`);
    if (this.codeButton !== null)
      relabel(
        this.codeButton,
        'Find code that picks by loss',
        `Open the code that chooses checkpoints or stops training by the loss for ${run.label}, or search the workspace when none is known`,
      );
  }
}

/** Warnings as sentences with their confidence, the numbers they rest on, and a link to the log at that step. */
export class WarningsList implements Component<readonly RunView[]> {
  readonly element = el('ul', { id: 'warnings', class: 'warnings', 'aria-label': 'Warnings' });
  private readonly cards: KeyedList<WarningData>;

  constructor(events: TableEvents) {
    this.cards = new KeyedList(
      this.element,
      ({ run, warning }) => JSON.stringify([run.id, warning.kind]),
      (data) => new WarningCard(data, events),
    );
  }

  update(runs: readonly RunView[]): void {
    const data = runs.flatMap((run) => run.warnings.map((warning) => ({ run, warning })));
    this.cards.update(data);
    this.element.hidden = data.length === 0;
  }
}
