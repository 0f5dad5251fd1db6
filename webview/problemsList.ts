import type { Problem } from '../src/protocol';
import { el } from './dom';
import { KeyedList, setText, type Component } from './keyedList';

/** One problem, keyed by its file: a message that changes is patched, a selection in the path stays. */
class ProblemItem implements Component<Problem> {
  private readonly message = document.createTextNode('');
  readonly element: HTMLElement;

  constructor(problem: Problem) {
    this.element = el('li', {}, el('code', {}, problem.path), this.message);
  }

  update(problem: Problem): void {
    setText(this.message, ` ${problem.message}`);
  }
}

/** Problems reading logs, each kept in place by its file while the list changes around it. */
export class ProblemsList implements Component<readonly Problem[]> {
  readonly element = el('ul', { id: 'problems', class: 'problems', 'aria-label': 'Problems reading logs' });
  private readonly items = new KeyedList<Problem>(
    this.element,
    (problem) => problem.path,
    (problem) => new ProblemItem(problem),
  );

  update(problems: readonly Problem[]): void {
    this.items.update(problems);
    this.element.hidden = problems.length === 0;
  }
}
