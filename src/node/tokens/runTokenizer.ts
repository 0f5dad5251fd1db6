import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { TextDecoder } from 'node:util';
import { parseTokenizerJson, type TokenizerDecoder } from '../../core/tokens/tokenizerJson';
import type { Problem } from '../../core/types';
import { readRange } from '../fileRange';

/** A tokenizer.json larger than this is not read: real ones are a few MB (a 256k vocabulary is about 30 MB). */
export const TOKENIZER_MAX_BYTES = 64 * 1024 * 1024;

const FILE_NAME = 'tokenizer.json';
const CHECKPOINT = /^checkpoint-(\d+)$/;

export interface RunTokenizer {
  readonly path: string;
  readonly decoder: TokenizerDecoder;
}

export interface RunTokenizerLookup {
  /** The first usable tokenizer.json in the search order, if any. */
  readonly tokenizer?: RunTokenizer;
  /** Files that were found but could not be used (too large, not UTF-8, not a tokenizer), and what the used one could not decode exactly. */
  readonly problems: readonly Problem[];
}

/** A folder's `checkpoint-N` subfolders, the highest N (the newest save) first. */
async function checkpointsNewestFirst(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, step: CHECKPOINT.exec(name)?.[1] }))
    .filter((entry): entry is { name: string; step: string } => entry.step !== undefined)
    .sort((a, b) => Number(b.step) - Number(a.step))
    .map((entry) => join(dir, entry.name));
}

/**
 * Where a run's tokenizer may be, in the order they are tried: each folder's own tokenizer.json (the Trainer
 * saves the final one in `output_dir`), then its `checkpoint-N` folders newest first. A folder that is itself a
 * checkpoint is searched as it is.
 */
async function candidates(dirs: readonly string[]): Promise<string[]> {
  const folders: string[] = [];
  for (const dir of new Set(dirs.map((entry) => resolve(entry)))) {
    folders.push(dir);
    if (!CHECKPOINT.test(basename(dir))) folders.push(...(await checkpointsNewestFirst(dir)));
  }
  return [...new Set(folders)].map((folder) => join(folder, FILE_NAME));
}

type Attempt = { readonly decoder: TokenizerDecoder; readonly notes: readonly string[] } | { readonly problem: string };

/** What a file gave, by path, with the identity it had: a file unchanged since is not read again. */
export type ParsedTokenizers = Map<string, { readonly identity: string; readonly attempt: Attempt }>;

async function readTokenizer(path: string, size: number, maxBytes: number): Promise<Attempt> {
  if (size > maxBytes) return { problem: `It is ${size} bytes, more than the ${maxBytes} read for a tokenizer; token ids are shown as ids.` };
  let text: string;
  try {
    // One byte past the limit: a file that grew since its stat is refused, not cut into invalid JSON.
    const bytes = await readRange(path, 0, maxBytes + 1);
    if (bytes.length > maxBytes) return { problem: `It grew past the ${maxBytes} bytes read for a tokenizer; token ids are shown as ids.` };
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return { problem: `It could not be read as UTF-8 text (${error instanceof Error ? error.message : String(error)}).` };
  }
  const parsed = parseTokenizerJson(text);
  if (parsed.tokenizer === undefined) return { problem: parsed.problems.join(' ') };
  return { decoder: parsed.tokenizer, notes: parsed.problems };
}

async function tryFile(path: string, maxBytes: number, parsed: ParsedTokenizers): Promise<Attempt | 'absent'> {
  let identity: string;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { problem: 'It is not a regular file; it is not read.' };
    size = info.size;
    identity = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
  } catch {
    return 'absent';
  }
  const known = parsed.get(path);
  if (known?.identity === identity) return known.attempt;
  const attempt = await readTokenizer(path, size, maxBytes);
  parsed.set(path, { identity, attempt });
  return attempt;
}

/**
 * Finds the tokenizer a run saved: the first tokenizer.json that reads, searching each of `dirs` (the run's
 * folders, its `output_dir` first) and then its `checkpoint-N` folders from the newest. Never throws; a file
 * that is found but unusable is a problem and the search goes on. `parsed` keeps what files gave between
 * searches (a session's), so that an unchanged file is only looked at, not read again.
 */
export async function findRunTokenizer(
  dirs: readonly string[],
  maxBytes = TOKENIZER_MAX_BYTES,
  parsed: ParsedTokenizers = new Map(),
): Promise<RunTokenizerLookup> {
  const problems: Problem[] = [];
  for (const path of await candidates(dirs)) {
    const attempt = await tryFile(path, maxBytes, parsed);
    if (attempt === 'absent') continue;
    if ('problem' in attempt) {
      problems.push({ path, message: attempt.problem });
      continue;
    }
    for (const note of attempt.notes) problems.push({ path, message: note });
    return { tokenizer: { path, decoder: attempt.decoder }, problems };
  }
  return { problems };
}

/**
 * The tokenizers of a report or a session. Each lookup searches the run's folder again (a few stats and one
 * listing), so a tokenizer saved after the run started is found, while a file seen before and unchanged is
 * not parsed again. The last lookup of each run is kept for its problems.
 */
export class RunTokenizers {
  private readonly parsed: ParsedTokenizers = new Map();
  private readonly lookups = new Map<string, Promise<RunTokenizerLookup>>();

  constructor(private readonly maxBytes = TOKENIZER_MAX_BYTES) {}

  lookup(runDir: string): Promise<RunTokenizerLookup> {
    const lookup = findRunTokenizer([runDir], this.maxBytes, this.parsed);
    this.lookups.set(runDir, lookup);
    return lookup;
  }

  /** The decoder for a run's folder (its id), or undefined: its ids are then shown as ids. */
  readonly decoderFor = async (runDir: string): Promise<TokenizerDecoder | undefined> => (await this.lookup(runDir)).tokenizer?.decoder;

  /** The problems of each run's last lookup, each once. */
  async problems(): Promise<Problem[]> {
    const seen = new Map<string, Problem>();
    for (const lookup of await Promise.all(this.lookups.values()))
      for (const problem of lookup.problems) seen.set(`${problem.path}\n${problem.message}`, problem);
    return [...seen.values()];
  }

  /** Forgets a run that is gone, and the files of its folder. */
  forget(runDir: string): void {
    this.lookups.delete(runDir);
    const folder = join(resolve(runDir), '/');
    for (const path of this.parsed.keys()) if (path.startsWith(folder)) this.parsed.delete(path);
  }
}
