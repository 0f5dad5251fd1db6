import { consoleFormat } from '../core/formats/consoleFormat';
import { compileUserPatterns } from '../core/formats/consoleLines';
import type { FormatOverrides } from '../core/formats/registry';
import type { LogFormat } from '../core/formats/logFormat';
import { EVAL_OUTPUTS_FOLDER, evalOutputsFormat } from '../core/tokens/evalOutputsFormat';

export type { FormatOverrides } from '../core/formats/registry';

/**
 * The readers the user's settings configure, by format id: the console reader with the user's own line
 * patterns (`tokenAccuracyLens.console.patterns`), and evaluation outputs (tensors and per-sample results)
 * in the folders the user names (`tokenAccuracyLens.evalOutputs.folders`). Patterns that do not compile, or have no `step` group, and
 * folder names that are paths, are left out and come back as messages for the user.
 */
export function formatOverrides(
  consolePatterns: readonly string[],
  evalOutputFolders: readonly string[] = [EVAL_OUTPUTS_FOLDER],
): { overrides: FormatOverrides; errors: string[] } {
  const overrides = new Map<string, LogFormat>();
  const errors: string[] = [];
  if (consolePatterns.length > 0) {
    const compiled = compileUserPatterns(consolePatterns);
    const format = consoleFormat(compiled.patterns);
    overrides.set(format.id, format);
    errors.push(...compiled.errors);
  }
  // A path segment is compared with each name: a name holding a separator would silently match nothing.
  const folders = evalOutputFolders.filter((name) => !/[\\/]/.test(name));
  for (const name of evalOutputFolders)
    if (!folders.includes(name)) errors.push(`Evaluation-output folder "${name}" is left out: give a folder name, not a path.`);
  if (folders.length !== 1 || folders[0] !== EVAL_OUTPUTS_FOLDER) {
    const format = evalOutputsFormat(folders);
    overrides.set(format.id, format);
  }
  return { overrides, errors };
}
