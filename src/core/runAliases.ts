/** The names the user gave runs in the panel, by run id; kept per workspace by the host. */
export type RunAliases = Readonly<Record<string, string>>;

/** An alias longer than this is refused: it is a name to tell runs apart, not a note. */
export const MAX_ALIAS_LENGTH = 100;
/** Aliases kept per workspace at most; a new one beyond this is refused (the user can clear old ones). */
export const MAX_ALIASES = 1000;

/** Whether `alias` may be stored: text of at most MAX_ALIAS_LENGTH characters (empty clears the alias). */
export function isAlias(alias: unknown): alias is string {
  return typeof alias === 'string' && alias.length <= MAX_ALIAS_LENGTH;
}

/** The aliases with `runId` renamed to `alias` (trimmed; empty clears it); unchanged when a new one would pass the cap. */
export function withAlias(aliases: RunAliases, runId: string, alias: string): RunAliases {
  const name = alias.trim();
  if (name !== '' && !Object.hasOwn(aliases, runId) && Object.keys(aliases).length >= MAX_ALIASES) return aliases;
  const others = Object.entries(aliases).filter(([id]) => id !== runId);
  return Object.fromEntries(name === '' ? others : [...others, [runId, name]]);
}

/** Aliases read back from storage are checked like any other input: anything of another shape is dropped. */
export function restoreAliases(saved: unknown): RunAliases {
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return {};
  const aliases: Record<string, string> = {};
  for (const [runId, alias] of Object.entries(saved).slice(0, MAX_ALIASES)) {
    if (isAlias(alias) && alias.trim() !== '') aliases[runId] = alias.trim();
  }
  return aliases;
}

/** The runs with the user's alias as their label, so every view (table, legend, run list, warnings) shows it. */
export function applyAliases<R extends { readonly id: string; readonly label: string }>(runs: readonly R[], aliases: RunAliases): R[] {
  return runs.map((run) => {
    const alias = aliases[run.id];
    return alias === undefined || alias === run.label ? run : { ...run, label: alias };
  });
}
