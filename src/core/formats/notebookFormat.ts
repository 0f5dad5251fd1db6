import { baseName, pathSegments } from '../paths';
import { scanIpynb } from './ipynbScan';
import type { WholeFileFormat, WholeFileResult } from './logFormat';
import { notebookRuns } from './notebookOutputs';

/**
 * A saved notebook's trainings, one run each (`<path>#cell-8`), read from the outputs it was saved with.
 * Jupyter's `.ipynb_checkpoints/` copies are older saves of the same notebook: never read, or every
 * training would show twice.
 */
export function parseNotebook(bytes: Uint8Array, path: string): WholeFileResult {
  const scan = scanIpynb(bytes);
  if (scan.kind !== 'cells') return scan;
  const { runs, problems } = notebookRuns(baseName(path), scan.cells);
  return {
    kind: 'ok',
    points: [],
    problems: scan.problem === undefined ? problems : [...problems, scan.problem],
    parts: runs.map((run) => ({ suffix: run.suffix, points: run.points, runInfo: run.runInfo })),
    ...(scan.cut === true ? { cut: true } : {}),
  };
}

export const NOTEBOOK_FORMAT: WholeFileFormat = {
  id: 'jupyter-notebook',
  label: 'Jupyter notebook outputs',
  kind: 'whole',
  classify(path) {
    if (!path.toLowerCase().endsWith('.ipynb') || pathSegments(path).includes('.ipynb_checkpoints')) return undefined;
    return { format: 'jupyter-notebook', runDirectory: path };
  },
  parse: parseNotebook,
};
