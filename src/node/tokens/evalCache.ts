import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordsSource } from '../../core/tokens/pairingDecision';
import type { TokenRecords } from '../../core/tokens/tokenRecords';
import { openRegularFile, readHandleRange } from '../fileRange';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';
import { decodeRecordsFile, encodeRecordsFile, RECORDS_FILES_SUPPORTED, recordsFileBytes, validRef, type RecordsRef } from './recordsFile';
import { userCacheFolder } from '../userCacheFolder';

/** Bumped whenever a statistic's definition or the entry's layout changes (10: records in their own file), so old cached results are not reused. */
export const CACHE_VERSION = 10;

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

/** The records files of an entry beside `<key>.json`: one for its pairing, one for the aligned pairing of an undecided evaluation. */
type RecordsPart = 'records' | 'aligned.records';
const RECORDS_PARTS: readonly RecordsPart[] = ['records', 'aligned.records'];

interface Stored extends Omit<EvalFileResult, 'correctness' | 'aligned' | 'records' | 'recordsSource'> {
  /** Per-token correctness, one bit a token, base64; `tokens` says how many bits count. */
  readonly correctness: string;
  readonly tokens: number;
  /** The records file beside the entry (recordsFile.ts); absent when the evaluation kept none. */
  readonly records?: RecordsRef;
  /** The aligned pairing of an evaluation whose pairing is left to the host, its correctness packed the same way, its records in their own file. */
  readonly aligned?: Omit<NonNullable<EvalFileResult['aligned']>, 'correctness' | 'records' | 'recordsSource'> & {
    readonly correctness: string;
    readonly tokens: number;
    readonly records?: RecordsRef;
  };
}

type Packed<T> = Omit<T, 'correctness' | 'records' | 'recordsSource'> & { correctness: string; tokens: number; records?: RecordsRef };
type Unpacked<T> = Omit<T, 'correctness' | 'tokens' | 'records'> & { correctness: Uint8Array; recordsSource?: RecordsSource };

function packed<T extends { readonly correctness: Uint8Array; readonly records?: TokenRecords; readonly recordsSource?: RecordsSource }>(
  value: T,
  ref: RecordsRef | undefined,
): Packed<T> {
  const rest: Record<string, unknown> = { ...value };
  delete rest['records'];
  delete rest['recordsSource'];
  return {
    ...rest,
    correctness: packBits(value.correctness).toString('base64'),
    tokens: value.correctness.length,
    ...(ref === undefined ? {} : { records: ref }),
  } as Packed<T>;
}

/** An entry's pairing with its correctness back, and its records left in their file, read when asked for. */
function unpacked<T extends { readonly correctness: string; readonly tokens: number; readonly records?: unknown }>(
  value: T,
  source: (ref: RecordsRef) => RecordsSource,
): Unpacked<T> {
  const { tokens, correctness, records, ...rest } = value;
  // A reference naming other than this pairing's token count is not this cache's: the records are then missing, never misread.
  const ref = validRef(records) && records.tokens === tokens ? records : undefined;
  return { ...rest, correctness: unpackBits(Buffer.from(correctness, 'base64'), tokens), ...(ref === undefined ? {} : { recordsSource: source(ref) }) };
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

/** Where the CLI keeps its evaluation cache (see userCacheFolder). */
export function defaultCacheDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return userCacheFolder('eval-cache', env, platform);
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

/** An entry's first line: the cache version that wrote it and the files it was computed from; undefined for another version's. */
function parseSources(line: string): SourceRecord[] | undefined {
  try {
    const header = JSON.parse(line) as { files?: unknown; version?: unknown };
    // Another version's entry is under a key this one never asks for (the version is hashed into it): pruned
    // at once, not kept until unused for 30 days (an entry of version 9 held its records, 26 MB a million tokens).
    return Array.isArray(header.files) && header.version === CACHE_VERSION ? (header.files as SourceRecord[]) : undefined;
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
/**
 * A few hundred evaluations of compact results; an evaluation with the records of a million tokens takes
 * 20 MB beside its entry (40 MB scored both ways), so a dozen of those.
 */
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
 * An entry is a few paths and one bit a token (its records are in their own files): far less than this even
 * for the largest tensor read whole, 2^27 tokens (22 MB of base64, twice for an evaluation scored both ways);
 * anything larger was not written by this cache.
 */
const MAX_ENTRY_BYTES = 128 * 1024 * 1024;
/** The most one fs write is asked for (fileRange.ts: a single call of 2^31 bytes aborts Node). */
const MAX_WRITE_BYTES = 16 * 1024 * 1024;

/** The files an entry was computed from, read from its first line alone; undefined for an entry of an older layout or another version. */
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
 * modification time is when it was last used, so `prune` can drop what nothing will ask for again. Its
 * per-token records are beside it, `<key>.records` and `<key>.aligned.records` (recordsFile.ts), read only
 * when asked for, and only if they are what the entry names.
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

  /** The result cached for `key`, if the files it was computed from are `files` with the same content; its records stay in their files until loaded. */
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
      const source = (part: RecordsPart) => (ref: RecordsRef) => this.recordsSource(key, part, ref);
      return { ...unpacked(rest, source('records')), ...(aligned === undefined ? {} : { aligned: unpacked(aligned, source('aligned.records')) }) };
    } catch {
      return undefined;
    } finally {
      await handle.close();
    }
  }

  /**
   * Caches `result`: its records (when kept) each to a file beside the entry, written first, then the entry
   * naming them. Returns the result with a source for each pairing's records written, so its holder may let go of the arrays.
   */
  async set(key: string, files: readonly FileIdentity[], result: EvalFileResult): Promise<EvalFileResult> {
    if ((await this.refusal()) !== undefined) return result;
    const sources: SourceRecord[] = [];
    for (const file of files) sources.push({ ...file, fingerprint: await fingerprint(file.path) });
    const { aligned, ...rest } = result;
    const ref = await this.writeRecords(key, 'records', rest.records);
    const alignedRef = aligned === undefined ? undefined : await this.writeRecords(key, 'aligned.records', aligned.records);
    const stored: Stored = { ...packed(rest, ref), ...(aligned === undefined ? {} : { aligned: packed(aligned, alignedRef) }) };
    const body = JSON.stringify(stored, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? '__NaN__' : value));
    await this.writeAtomically(join(this.directory, `${key}.json`), [Buffer.from(`${JSON.stringify({ version: CACHE_VERSION, files: sources })}\n${body}`)]);
    const withSource = <T extends { readonly recordsSource?: RecordsSource }>(pairing: T, part: RecordsPart, written: RecordsRef | undefined): T =>
      written === undefined ? pairing : { ...pairing, recordsSource: this.recordsSource(key, part, written) };
    return {
      ...withSource(rest, 'records', ref),
      ...(aligned === undefined ? {} : { aligned: withSource(aligned, 'aligned.records', alignedRef) }),
    };
  }

  /** Writes one pairing's records file; undefined (and no file) when there are none or this machine cannot keep them. */
  private async writeRecords(key: string, part: RecordsPart, records: TokenRecords | undefined): Promise<RecordsRef | undefined> {
    const path = join(this.directory, `${key}.${part}`);
    if (records === undefined || !RECORDS_FILES_SUPPORTED) {
      // A records file of an earlier write of this key would otherwise outlive it, counted and never read.
      await rm(path, { force: true });
      return undefined;
    }
    const { parts, ref } = encodeRecordsFile(records);
    await this.writeAtomically(path, parts);
    return ref;
  }

  /**
   * Writes `parts` aside under a name no one can guess, created here and now (never an existing file or a
   * link), then renames it into place: a reader never sees half a file.
   */
  private async writeAtomically(file: string, parts: readonly Uint8Array[]): Promise<void> {
    const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      let position = 0;
      for (const part of parts) {
        for (let done = 0; done < part.length;) {
          const { bytesWritten } = await handle.write(part, done, Math.min(MAX_WRITE_BYTES, part.length - done), position);
          done += bytesWritten;
          position += bytesWritten;
        }
      }
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temporary, file).catch(async (error: unknown) => {
      await rm(temporary, { force: true });
      throw error;
    });
  }

  private recordsSource(key: string, part: RecordsPart, ref: RecordsRef): RecordsSource {
    return { load: () => this.records(key, part, ref) };
  }

  /**
   * A pairing's records from its file, if the file is the one the entry names: this user's regular file of
   * exactly the size its reference gives (at most MAX_RECORD_TOKENS records), with the header and digest it
   * names. undefined for a file missing, cut short, corrupt or of another write: the caller scores again.
   */
  async records(key: string, part: RecordsPart, ref: RecordsRef): Promise<TokenRecords | undefined> {
    if (!RECORDS_FILES_SUPPORTED || !validRef(ref) || (await this.refusal()) !== undefined) return undefined;
    const handle = await openEntry(join(this.directory, `${key}.${part}`));
    if (handle === undefined) return undefined;
    try {
      const expected = recordsFileBytes(ref);
      if ((await handle.stat()).size !== expected) return undefined;
      const bytes = await readHandleRange(handle, 0, expected);
      return decodeRecordsFile(bytes, ref);
    } catch {
      return undefined;
    } finally {
      await handle.close();
    }
  }

  /**
   * Removes entries whose files are gone or were rewritten (no key can reach them again), entries of an older
   * layout, entries unused for longer than `maxAgeMs`, then the least recently used until the rest fits
   * `maxBytes`, an entry's size counting its records files. An entry goes with its records files; a records
   * file with no entry goes once it is older than a write in progress could be. Another window may prune the
   * same folder at once: a file already gone is no error. Returns the keys removed.
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
    /** Records files by their entry's key: their bytes, and the age of the newest. */
    const records = new Map<string, { bytes: number; modifiedMs: number }>();
    const entries: { key: string; path: string; size: number; mtimeMs: number }[] = [];
    for (const name of names) {
      const path = join(this.directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      if (name.endsWith('.tmp')) {
        if (now - info.mtimeMs > ABANDONED_TMP_MS) await rm(path, { force: true });
        continue;
      }
      const part = RECORDS_PARTS.find((suffix) => name.endsWith(`.${suffix}`));
      if (part !== undefined) {
        const key = name.slice(0, -(part.length + 1));
        const known = records.get(key);
        records.set(key, { bytes: (known?.bytes ?? 0) + info.size, modifiedMs: Math.max(known?.modifiedMs ?? 0, info.mtimeMs) });
        continue;
      }
      if (name.endsWith('.json')) entries.push({ key: name.slice(0, -'.json'.length), path, size: info.size, mtimeMs: info.mtimeMs });
    }
    for (const entry of entries) {
      const sources = now - entry.mtimeMs > limits.maxAgeMs ? undefined : await entrySources(entry.path);
      const live = sources !== undefined && (await Promise.all(sources.map(unchanged))).every(Boolean);
      if (live) kept.push({ key: entry.key, size: entry.size + (records.get(entry.key)?.bytes ?? 0), usedMs: entry.mtimeMs });
      else removed.push(entry.key);
    }
    kept.sort((a, b) => b.usedMs - a.usedMs);
    let total = 0;
    for (const entry of kept) {
      total += entry.size;
      if (total > limits.maxBytes) removed.push(entry.key);
    }
    const withEntry = new Set(entries.map((entry) => entry.key));
    const orphans = [...records].filter(([key, files]) => !withEntry.has(key) && now - files.modifiedMs > ABANDONED_TMP_MS).map(([key]) => key);
    // The entry first: a reader that finds it then finds its records missing and scores again, never the reverse.
    await Promise.all(removed.map((key) => rm(join(this.directory, `${key}.json`), { force: true })));
    await Promise.all(
      [...removed, ...orphans].flatMap((key) =>
        records.has(key) ? RECORDS_PARTS.map((part) => rm(join(this.directory, `${key}.${part}`), { force: true })) : [],
      ),
    );
    return removed.sort();
  }
}
