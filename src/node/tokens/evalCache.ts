import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';

/** Bumped whenever a statistic's definition changes, so old cached results are not reused. */
const CACHE_VERSION = 4;

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

/** Results by file identity on disk, so a restart does not read gigabytes of logits again. */
export class EvalCache {
  constructor(private readonly directory: string) {}

  async get(key: string): Promise<EvalFileResult | undefined> {
    try {
      const stored = JSON.parse(await readFile(join(this.directory, `${key}.json`), 'utf8'), (_, value: unknown) => (value === '__NaN__' ? NaN : value)) as Stored;
      const { tokens, ...rest } = stored;
      return { ...rest, correctness: unpackBits(Buffer.from(stored.correctness, 'base64'), tokens) };
    } catch {
      return undefined;
    }
  }

  async set(key: string, result: EvalFileResult): Promise<void> {
    const stored: Stored = { ...result, correctness: packBits(result.correctness).toString('base64'), tokens: result.correctness.length };
    await mkdir(this.directory, { recursive: true });
    const file = join(this.directory, `${key}.json`);
    // Written aside and renamed, so a reader never sees half a result.
    await writeFile(`${file}.tmp`, JSON.stringify(stored, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? '__NaN__' : value)));
    await rename(`${file}.tmp`, file);
  }
}
