import type { RunView } from '../src/protocol';
import { setText } from './keyedList';

/** The accuracy definitions in use, patched only when they change so that a selection in them holds. */
export function renderDefinitions(element: HTMLElement, runs: readonly RunView[]): void {
  const definitions = [...new Set(runs.flatMap((run) => (run.accuracyDefinition === null ? [] : [run.accuracyDefinition])))];
  const notes = runs.flatMap((run) => (run.accuracyNote === null ? [] : [`${run.label}: ${run.accuracyNote}`]));
  setText(element, [definitions.length === 0 ? 'No eval accuracy found yet.' : `Accuracy: ${definitions.join('; ')}.`, ...notes].join(' '));
}
