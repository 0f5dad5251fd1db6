import { isAbsolute, resolve, sep } from 'node:path';

/** Literals that cannot be a directory the script writes to (messages, format strings, long text). */
function pathLike(literal: string): boolean {
  return literal !== '' && literal.length <= 260 && !/[\n\r\t{}%*?<>|]/.test(literal) && !/^\w+:\/\//.test(literal);
}

/**
 * The runs a script writes, found by its string literals (`output_dir="outputs/sft"`, `save_dir="logs"`)
 * resolved against the script's folder and the workspace folders. A run matches when it is that folder, lies
 * inside it (Lightning's `version_N/`), or holds it (`ModelCheckpoint("outputs/run/best.keras")`). A literal naming the script's own folder or one above it
 * (".", "..") would match every run and says nothing, so it is left out.
 */
export function runsWrittenBy(literals: readonly string[], bases: readonly string[], runIds: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const literal of literals) {
    if (!pathLike(literal)) continue;
    for (const base of isAbsolute(literal) ? [''] : bases) {
      const dir = resolve(base, literal).replace(/[\\/]+$/, '');
      if (bases.some((b) => b === dir || b.startsWith(dir + sep))) continue;
      dirs.add(dir);
    }
  }
  return runIds.filter((id) => [...dirs].some((dir) => id === dir || id.startsWith(dir + sep) || dir.startsWith(id + sep)));
}

/**
 * The runs a notebook writes: those its literals name (as a script's), and those read from its own cells'
 * outputs (`<notebook path>#cell-N`), which its code trained wherever its output_dir points.
 */
export function runsWrittenByNotebook(notebookPath: string, literals: readonly string[], bases: readonly string[], runIds: readonly string[]): string[] {
  const named = new Set(runsWrittenBy(literals, bases, runIds));
  return runIds.filter((id) => named.has(id) || id.startsWith(`${notebookPath}#`));
}

/** The findings of one parsed script, with the runs it writes. */
export interface ScriptFindings<T> {
  readonly path: string;
  readonly writes: readonly string[];
  readonly findings: readonly T[];
}

/**
 * The findings that stand behind a run's warning: those of the scripts that write that run, in path order.
 * A script that writes no known run is not guessed at (the workspace's active run, which its diagnostics
 * may quote, is not what the warning's run is), so a run no script is known to write has none.
 */
export function findingsForRun<T>(scripts: Iterable<ScriptFindings<T>>, runId: string): T[] {
  return [...scripts]
    .filter((script) => script.writes.includes(runId))
    .sort((a, b) => a.path.localeCompare(b.path))
    .flatMap((script) => script.findings);
}
