import { consoleFormat } from '../core/formats/consoleFormat';
import { compileUserPatterns } from '../core/formats/consoleLines';
import type { LogFormat } from '../core/formats/logFormat';

/** Formats built from the user's settings, replacing the registry's by id: the hook through which settings reach readers. */
export type FormatOverrides = ReadonlyMap<string, LogFormat>;

/**
 * The console reader with the user's own line patterns (`tokenAccuracyLens.console.patterns`). Patterns
 * that do not compile, or have no `step` group, are left out and come back as messages for the user.
 */
export function formatOverrides(consolePatterns: readonly string[]): { overrides: FormatOverrides; errors: string[] } {
  if (consolePatterns.length === 0) return { overrides: new Map(), errors: [] };
  const { patterns, errors } = compileUserPatterns(consolePatterns);
  const format = consoleFormat(patterns);
  return { overrides: new Map([[format.id, format]]), errors };
}
