import type { RunView } from '../src/protocol';
import type { Warning } from '../src/core/analysis/warning';
import { warningStart } from './chartData';
import { el } from './dom';
import { KeyedList, setAttribute, setText, type Component } from './keyedList';
import { linkButton, relabel } from './linkButton';
import type { TableEvents } from './runsTable';
import { byLoudness, runStory, type RunStory } from './warningStory';
import { xAt } from '../src/core/xUnit';

/** Warnings about which checkpoint to keep: the code or config that picks it by loss is worth finding. */
const CHECKPOINT_KINDS: readonly string[] = ['misleading-loss', 'checkpoint-disagreement'];

/** Each warning's title inside its run's card, where the run is already named. */
const FINDING_TITLE: Readonly<Record<Warning['kind'], string>> = {
  'misleading-loss': 'Misleading loss',
  overfitting: 'Overfitting',
  plateau: 'Plateau',
  instability: 'Instability',
  'checkpoint-disagreement': 'Checkpoints disagree',
};

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
 * One warning in its run's card, built once: its "Evidence" stays open, and a selection in its text stays,
 * while the run writes; only the text that changed is replaced.
 */
class WarningItem implements Component<WarningData> {
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
      el('details', { class: 'evidence-details' }, el('summary', {}, 'Evidence'), this.evidence),
      el('p', { class: 'warning-actions' }, this.focusButton, this.logButton, this.codeButton ?? ''),
    );
  }

  update(data: WarningData): void {
    this.data = data;
    const { run, warning } = data;
    setAttribute(this.badge, 'class', `confidence-${warning.confidence}`);
    setText(this.badge, warning.confidence);
    setText(this.runName, ` ${FINDING_TITLE[warning.kind]}: `);
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
    if (log !== undefined) relabel(this.logButton, `Open log at ${xAt(run.xUnit, start)}`, `Open ${log.path} at ${xAt(run.xUnit, start)}`);
    if (this.codeButton !== null)
      relabel(
        this.codeButton,
        'Find code that picks by loss',
        `Open the code that chooses checkpoints or stops training by the loss for ${run.label}, or search the workspace when none is known`,
      );
  }
}

interface CardData {
  readonly run: RunView;
  readonly story: RunStory;
}

/**
 * One run's card: its headline is the action the warnings lead to, its body the warnings themselves. A
 * <details> built once, so that it stays open or closed as the user left it while the run writes.
 */
class RunCard implements Component<CardData> {
  readonly element: HTMLElement;
  private readonly badge = el('vscode-badge');
  private readonly runName = el('strong');
  private readonly headline = el('span', { class: 'headline' });
  private readonly count = el('span', { class: 'warning-count' });
  private readonly body = el('ul', { class: 'run-warnings-body' });
  private readonly items: KeyedList<WarningData>;

  constructor(data: CardData, events: TableEvents) {
    this.items = new KeyedList(
      this.body,
      ({ warning }) => warning.kind,
      (item) => new WarningItem(item, events),
    );
    this.element = el(
      'li',
      { class: 'run-warnings', 'data-run-id': data.run.id },
      // Open at first, so that every warning can be read without a click; closed only by the user, and kept so.
      el('details', { class: 'run-card', open: '' }, el('summary', {}, this.badge, this.runName, this.headline, this.count), this.body),
    );
  }

  update({ run, story }: CardData): void {
    setAttribute(this.badge, 'class', `confidence-${story.confidence}`);
    setText(this.badge, story.confidence);
    setText(this.runName, ` ${run.label}: `);
    // The name shown may be an alias or shortened (MLflow ids): the run's folder is its full name.
    setAttribute(this.runName, 'title', run.id);
    setText(this.headline, story.headline);
    const n = story.warnings.length;
    setText(this.count, ` (${n} warning${n === 1 ? '' : 's'})`);
    this.items.update(story.warnings.map((warning) => ({ run, warning })));
  }
}

/** Warnings, one card per run, the loudest run first: each card says what to do, then why. */
export class WarningsList implements Component<readonly RunView[]> {
  readonly element = el('ul', { id: 'warnings', class: 'warnings', 'aria-label': 'Warnings' });
  private readonly cards: KeyedList<CardData>;

  constructor(events: TableEvents) {
    this.cards = new KeyedList(
      this.element,
      ({ run }) => run.id,
      (data) => new RunCard(data, events),
    );
  }

  update(runs: readonly RunView[]): void {
    const data = runs.flatMap((run) => {
      const story = runStory(run);
      return story === undefined ? [] : [{ run, story }];
    });
    this.cards.update(
      byLoudness(
        data,
        ({ story }) => story.severity,
        ({ story }) => story.confidence,
      ),
    );
    this.element.hidden = data.length === 0;
  }
}
