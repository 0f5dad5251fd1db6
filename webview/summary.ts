import type { RunView } from '../src/protocol';

export function renderDefinitions(element: HTMLElement, runs: readonly RunView[]): void {
  const definitions = [...new Set(runs.flatMap((run) => (run.accuracyDefinition === null ? [] : [run.accuracyDefinition])))];
  const notes = runs.flatMap((run) => (run.accuracyNote === null ? [] : [`${run.label}: ${run.accuracyNote}`]));
  element.textContent = [definitions.length === 0 ? 'No eval accuracy found yet.' : `Accuracy: ${definitions.join('; ')}.`, ...notes].join(' ');
}
