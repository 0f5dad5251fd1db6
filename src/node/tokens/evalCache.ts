import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TokenRecords } from '../../core/tokens/tokenRecords';
import { openRegularFile, readHandleRange } from '../fileRange';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';
import { decodeRecords, encodeRecords, type StoredRecords } from './recordsCodec';

/** Bumped whenever a statistic's definition changes, so old cached results are not reused. */
const CACHE_VERSION = 9;

export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** The cache key: every file read, by identity, and the options that change the numbers. */
export function cacheKey(files: readonly FileIdentity[], options: EvalComputeOptions): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      version: CACHE_VERSION,
      files,
      shift: options.causalShift ?? null,
      ignore: options.ignoreIndex ?? null,
      temperature: options.temperature ?? true,
      folders: options.evalOutputFolders ?? null,
    }),
  );
  return hash.digest('hex').slice(0, 40);
}

interface Stored extends Omit<EvalFileResult, 'correctness' | 'aligned' | 'records'> {
  /** Per-token correctness, one bit a token, base64; `tokens` says how many bits count. */
  readonly correctness: string;
  readonly tokens: number;
  /** Per-token records (recordsCodec.ts). */
  readonly records?: StoredRecords;
  /** The aligned pairing of an evaluation whose pairing is left to the host, its correctness and records packed the same way. */
  readonly aligned?: Omit<NonNullable<EvalFileResult['aligned']>, 'correctness' | 'records'> & {
    readonly correctness: string;
    readonly tokens: number;
    readonly records?: StoredRecords;
  };
}

type Packed<T> = Omit<T, 'correctness' | 'records'> & { correctness: string; tokens: number; records?: StoredRecords };
type Unpacked<T> = Omit<T, 'correctness' | 'tokens' | 'records'> & { correctness: Uint8Array; records?: TokenRecords };

function packed<T extends { readonly correctness: Uint8Array; readonly records?: TokenRecords }>(value: T): Packed<T> {
  const { records, ...rest } = value;
  return {
    ...rest,
    correctness: packBits(value.correctness).toString('base64'),
    tokens: value.correctness.length,
    ...(records === undefined ? {} : { records: encodeRecords(records) }),
  } as Packed<T>;
}

/** An entry's pairing with its arrays back; records that do not decode are left out (the analysis then says they are missing). */
function unpacked<T extends { readonly correctness: string; readonly tokens: number; readonly records?: StoredRecords }>(value: T): Unpacked<T> {
  const { tokens, correctness, records, ...rest } = value;
  const decoded = records === undefined ? undefined : decodeRecords(records, tokens);
  return { ...rest, correctness: unpackBits(Buffer.from(correctness, 'base64'), tokens), ...(decoded === undefined ? {} : { records: decoded }) };
}

function packBits(values: Uint8Array): Buffer {
  const packed = Buffer.alloc(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) if (values[i] === 1) packed[i >> 3] = (packed[i >> 3] as number) | (1 << (i & 7));
  return packed;
}

function unpackBits(packed: Buffer, count: number): Uint8Array {
  const values = new Uint8Array(count);
  for (let i = 0; i < count; i++) values[i] = ((packed[i >> 3] as number) >> (i & 7)) & 1;
  return values;
}

/**
 * Where the CLI keeps its cache: the user's own cache folder (`$XDG_CACHE_HOME`, else `~/.cache`; on Windows
 * `%LOCALAPPDATA%`), never the shared temp folder where another user could plant entries or links.
 */
export function defaultCacheDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32' && env['LOCALAPPDATA'] !== undefined && env['LOCALAPPDATA'] !== '')
    return join(env['LOCALAPPDATA'], 'token-accuracy-lens', 'eval-cache');
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'].startsWith('/') ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'token-accuracy-lens', 'eval-cache');
}

/** How much of each end of a file its fingerprint hashes: a rewrite that keeps size and time still changes the head or the tail. */
const FINGERPRINT_BYTES = 64 * 1024;

/** A hash of a file's first and last 64 KiB: an entry is tied to the content it was computed from, not only to stat data anyone can copy. */
async function fingerprint(path: string): Promise<string> {
  const handle = await openRegularFile(path);
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256');
    hash.update(await readHandleRange(handle, 0, Math.min(size, FINGERPRINT_BYTES)));
    if (size > FINGERPRINT_BYTES) hash.update(await readHandleRange(handle, Math.max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES), size));
    return hash.update(String(size)).digest('hex');
  } finally {
    await handle.close();
  }
}

interface SourceRecord extends FileIdentity {
  readonly fingerprint: string;
}

/** Opens an entry for reading without following a link, and only if it is a regular file this user owns. */
async function openEntry(path: string): Promise<FileHandle | undefined> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(() => undefined);
  if (handle === undefined) return undefined;
  const info = await handle.stat();
  if (!info.isFile() || (process.getuid !== undefined && info.uid !== process.getuid())) {
    await handle.close();
    return undefined;
  }
  return handle;
}

/** An entry's first line: the files it was computed from. */
function parseSources(line: string): SourceRecord[] | undefined {
  try {
    const header = JSON.parse(line) as { files?: unknown };
    return Array.isArray(header.files) ? (header.files as SourceRecord[]) : undefined;
  } catch {
    return undefined;
  }
}

function sameFiles(stored: readonly SourceRecord[], files: readonly FileIdentity[]): boolean {
  return (
    stored.length === files.length &&
    stored.every((record, i) => {
      const file = files[i];
      return (
        file !== undefined &&
        record.path === file.path &&
        record.size === file.size &&
        record.mtimeMs === file.mtimeMs &&
        record.ino === file.ino &&
        typeof record.fingerprint === 'string'
      );
    })
  );
}

/** How much the cache may keep: entries unused for longer, or beyond the size (least recently used first), go. */
export interface CacheLimits {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A few hundred evaluations of compact results, or a few dozen with the bits of millions of tokens. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxBytes: 256 << 20, maxAgeMs: 30 * DAY_MS };
/** A `.tmp` this old is what a writer left when it stopped mid-write, not a write in progress. */
const ABANDONED_TMP_MS = 60 * 60 * 1000;
/** The first line (the files an entry was computed from) is short: a few paths. */
const HEADER_BYTES = 64 * 1024;

/** Whether the file still has the identity an entry was computed from; false when it is gone or was rewritten. */
async function unchanged(file: FileIdentity): Promise<boolean> {
  try {
    const info = await stat(file.path);
    return info.size === file.size && info.mtimeMs === file.mtimeMs && info.ino === file.ino;
  } catch {
    return false;
  }
}

/**
 * An entry is a few paths, the bits of at most a few million tokens and the records of at most
 * MAX_RECORD_TOKENS (about 53 MB, twice for an evaluation scored both ways); anything far larger was not
 * written by this cache.
 */
const MAX_ENTRY_BYTES = 128 * 1024 * 1024;

/** The files an entry was computed from, read from its first line alone; undefined for an entry of an older layout. */
async function entrySources(path: string): Promise<SourceRecord[] | undefined> {
  // Another window's prune may have removed it since it was listed.
  const handle = await openEntry(path);
  if (handle === undefined) return undefined;
  try {
    const head = await readHandleRange(handle, 0, HEADER_BYTES);
    const end = head.indexOf(0x0a);
    return end < 0 ? undefined : parseSources(Buffer.from(head.subarray(0, end)).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/**
 * Results by file identity on disk, so a restart does not read gigabytes of logits again. Each entry is two
 * lines: the files it was computed from (identity and a fingerprint of their content), then the result; its
 * modification time is when it was last used, so `prune` can drop what nothing will ask for again.
 *
 * Nothing in it can be planted: the folder must be a real folder of this user's, writable by no one else
 * (it is closed to others if it is not; a folder of another user is not used), an entry is used only when the files it names still have the content it was computed from,
 * and writes go to a fresh temp file created exclusively, never through a link, then renamed into place.
 */
export class EvalCache {
  private checked: Promise<string | undefined> | undefined;

  constructor(private readonly directory: string) {}

  /** Why the folder cannot hold the cache (undefined when it can), creating it private (0700) if it is missing. */
  refusal(): Promise<string | undefined> {
    this.checked ??= this.checkDirectory();
    return this.checked;
  }

  private async checkDirectory(): Promise<string | undefined> {
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      const info = await lstat(this.directory);
      if (!info.isDirectory()) return `The evaluation cache folder ${this.directory} is not a folder (a link or a file): the cache is not used.`;
      if (process.getuid !== undefined && info.uid !== process.getuid())
        return `The evaluation cache folder ${this.directory} belongs to another user: the cache is not used.`;
      if (process.platform === 'win32' || (info.mode & 0o022) === 0) return undefined;
      // This user's folder, made writable to others by a umask of 002 (the default of many Linux systems for
      // folders made before it was created private): closed again rather than refused. Entries that others
      // may have put there meanwhile are theirs, and openEntry reads only this user's.
      await chmod(this.directory, 0o700);
      return ((await lstat(this.directory)).mode & 0o022) === 0
        ? undefined
        : `The evaluation cache folder ${this.directory} is writable by other users: the cache is not used.`;
    } catch (error) {
      return `The evaluation cache folder ${this.directory} cannot be made: ${(error as Error).message}`;
    }
  }

  /** The result cached for `key`, if the files it was computed from are `files` with the same content. */
  async get(key: string, files: readonly FileIdentity[]): Promise<EvalFileResult | undefined> {
    if ((await this.refusal()) !== undefined) return undefined;
    const handle = await openEntry(join(this.directory, `${key}.json`));
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      if (size > MAX_ENTRY_BYTES) return undefined;
      const text = Buffer.from(await readHandleRange(handle, 0, size)).toString('utf8');
      const newline = text.indexOf('\n');
      const sources = newline < 0 ? undefined : parseSources(text.slice(0, newline));
      if (sources === undefined || !sameFiles(sources, files)) return undefined;
      for (const source of sources) if ((await fingerprint(source.path)) !== source.fingerprint) return undefined;
      const stored = JSON.parse(text.slice(newline + 1), (_, value: unknown) => (value === '__NaN__' ? NaN : value)) as Stored;
      const { aligned, ...rest } = stored;
      const now = new Date();
      await handle.utimes(now, now).catch(() => undefined);
      return { ...unpacked(rest), ...(aligned === undefined ? {} : { aligned: unpacked(aligned) }) };
    } catch {
      return undefined;
    } finally {
      await handle.close();
    }
  }

  async set(key: string, files: readonly FileIdentity[], result: EvalFileResult): Promise<void> {
    if ((await this.refusal()) !== undefined) return;
    const sources: SourceRecord[] = [];
    for (const file of files) sources.push({ ...file, fingerprint: await fingerprint(file.path) });
    const { aligned, ...rest } = result;
    const stored: Stored = { ...packed(rest), ...(aligned === undefined ? {} : { aligned: packed(aligned) }) };
    const file = join(this.directory, `${key}.json`);
    const body = JSON.stringify(stored, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? '__NaN__' : value));
    // Written aside under a name no one can guess, created here and now (never an existing file or a link), then renamed: a reader never sees half a result.
    const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.writeFile(`${JSON.stringify({ files: sources })}\n${body}`);
    } finally {
      await handle.close();
    }
    await rename(temporary, file).catch(async (error: unknown) => {
      await rm(temporary, { force: true });
      throw error;
    });
  }

  /**
   * Removes entries whose files are gone or were rewritten (no key can reach them again), entries of an older
   * layout, entries unused for longer than `maxAgeMs`, then the least recently used until the rest fits
   * `maxBytes`. Another window may prune the same folder at once: a file already gone is no error.
   * Returns the keys removed.
   */
  async prune(limits: CacheLimits = DEFAULT_CACHE_LIMITS, now = Date.now()): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    const removed: string[] = [];
    const kept: { key: string; size: number; usedMs: number }[] = [];
    for (const name of names) {
      const path = join(this.directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      if (name.endsWith('.tmp')) {
        if (now - info.mtimeMs > ABANDONED_TMP_MS) await rm(path, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const key = name.slice(0, -'.json'.length);
      const sources = now - info.mtimeMs > limits.maxAgeMs ? undefined : await entrySources(path);
      const live = sources !== undefined && (await Promise.all(sources.map(unchanged))).every(Boolean);
      if (live) kept.push({ key, size: info.size, usedMs: info.mtimeMs });
      else removed.push(key);
    }
    kept.sort((a, b) => b.usedMs - a.usedMs);
    let total = 0;
    for (const entry of kept) {
      total += entry.size;
      if (total > limits.maxBytes) removed.push(entry.key);
    }
    await Promise.all(removed.map((key) => rm(join(this.directory, `${key}.json`), { force: true })));
    return removed.sort();
  }
}
