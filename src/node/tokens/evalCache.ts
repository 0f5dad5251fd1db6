import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';

/** Bumped whenever a statistic's definition changes, so old cached results are not reused. */
const CACHE_VERSION = 6;

export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** The cache key: every file read, by identity, and the options that change the numbers. */
export function cacheKey(files: readonly FileIdentity[], options: EvalComputeOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: CACHE_VERSION, files, shift: options.causalShift ?? null, ignore: options.ignoreIndex ?? null, temperature: options.temperature ?? true, folders: options.evalOutputFolders ?? null }));
  return hash.digest('hex').slice(0, 40);
}

interface Stored extends Omit<EvalFileResult, 'correctness'> {
  /** Per-token correctness, one bit a token, base64; `tokens` says how many bits count. */
  readonly correctness: string;
  readonly tokens: number;
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

/** The files an entry was computed from, read from its first line alone; undefined for an entry of an older layout. */
async function entrySources(path: string): Promise<FileIdentity[] | undefined> {
  // Another window's prune may have removed it since it was listed.
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (end < 0) return undefined;
    const header = JSON.parse(buffer.subarray(0, end).toString('utf8')) as { files?: FileIdentity[] };
    return Array.isArray(header.files) ? header.files : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Results by file identity on disk, so a restart does not read gigabytes of logits again. Each entry is two
 * lines: the identities of the files it was computed from, then the result; its modification time is when
 * it was last used, so `prune` can drop what nothing will ask for again.
 */
export class EvalCache {
  constructor(private readonly directory: string) {}

  async get(key: string): Promise<EvalFileResult | undefined> {
    const file = join(this.directory, `${key}.json`);
    try {
      const text = await readFile(file, 'utf8');
      const stored = JSON.parse(text.slice(text.indexOf('\n') + 1), (_, value: unknown) => (value === '__NaN__' ? NaN : value)) as Stored;
      const { tokens, ...rest } = stored;
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return { ...rest, correctness: unpackBits(Buffer.from(stored.correctness, 'base64'), tokens) };
    } catch {
      return undefined;
    }
  }

  async set(key: string, files: readonly FileIdentity[], result: EvalFileResult): Promise<void> {
    const stored: Stored = { ...result, correctness: packBits(result.correctness).toString('base64'), tokens: result.correctness.length };
    await mkdir(this.directory, { recursive: true });
    const file = join(this.directory, `${key}.json`);
    const body = JSON.stringify(stored, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? '__NaN__' : value));
    // Written aside and renamed, so a reader never sees half a result.
    await writeFile(`${file}.tmp`, `${JSON.stringify({ files })}\n${body}`);
    await rename(`${file}.tmp`, file);
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
      if (name.endsWith('.json.tmp')) {
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
