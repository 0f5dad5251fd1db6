import { el } from './dom';

/** A button inside a row or card: its click does not also reach the row (which would focus or unfocus a run). */
export function linkButton(label: string, accessibleName: string, onClick: () => void): HTMLButtonElement {
  const result = el('button', { type: 'button', class: 'link-button', 'aria-label': accessibleName, title: accessibleName }, label);
  result.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return result;
}

/** Patches a link button's label and accessible name, leaving its node (and any focus on it) in place. */
export function relabel(button: HTMLButtonElement, label: string, accessibleName: string): void {
  if (button.textContent !== label) button.textContent = label;
  if (button.getAttribute('aria-label') !== accessibleName) {
    button.setAttribute('aria-label', accessibleName);
    button.title = accessibleName;
  }
}
