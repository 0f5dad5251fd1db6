import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';

/** Bumped whenever a statistic's definition changes, so old cached results are not reused. */
const CACHE_VERSION = 3;

export interface FileIdentity {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** The cache key: every file read, by identity, and the options that change the numbers. */
export function cacheKey(files: readonly FileIdentity[], options: EvalComputeOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: CACHE_VERSION, files, shift: options.causalShift ?? null, ignore: options.ignoreIndex ?? null, temperature: options.temperature ?? true }));
  return hash.digest('hex').slice(0, 40);
}

interface Stored extends Omit<EvalFileResult, 'correctness'> {
  readonly correctness: string;
}

/** Results by file identity on disk, so a restart does not read gigabytes of logits again. */
export class EvalCache {
  constructor(private readonly directory: string) {}

  async get(key: string): Promise<EvalFileResult | undefined> {
    try {
      const stored = JSON.parse(await readFile(join(this.directory, `${key}.json`), 'utf8'), (_, value: unknown) => (value === '__NaN__' ? NaN : value)) as Stored;
      return { ...stored, correctness: new Uint8Array(Buffer.from(stored.correctness, 'base64')) };
    } catch {
      return undefined;
    }
  }

  async set(key: string, result: EvalFileResult): Promise<void> {
    const stored: Stored = { ...result, correctness: Buffer.from(result.correctness.buffer, result.correctness.byteOffset, result.correctness.byteLength).toString('base64') };
    await mkdir(this.directory, { recursive: true });
    const file = join(this.directory, `${key}.json`);
    // Written aside and renamed, so a reader never sees half a result.
    await writeFile(`${file}.tmp`, JSON.stringify(stored, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? '__NaN__' : value)));
    await rename(`${file}.tmp`, file);
  }
}
