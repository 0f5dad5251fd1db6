import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LogFormat } from '../../core/formats/logFormat';
import { EVAL_OUTPUTS_FORMAT, evaluationPoints } from '../../core/tokens/evalOutputsFormat';
import { metadataSidecarPath } from '../../core/tokens/metadataSidecar';
import { describeReadError, type ReadOutcome, type SourceReader } from '../sourceReader';
import { EvalCache, cacheKey, defaultCacheDirectory, type FileIdentity } from './evalCache';
import type { EvalComputeOptions } from './evalFileStats';
import { EvalOutputsStore } from './evalOutputsStore';
import { EvalRunner } from './evalRunner';

/** How evaluation outputs are read; the extension sets it from its settings and global storage. */
export interface EvalOutputsConfig {
  readonly options: EvalComputeOptions;
  readonly cacheDirectory: string;
  readonly workerScript: string | undefined;
  readonly onProgress?: (path: string, fraction: number) => void;
}

/** A file written in the last few seconds may still be being written: a failure then is retried, not reported. */
const FRESH_MS = 5000;

let config: EvalOutputsConfig = {
  options: {},
  cacheDirectory: defaultCacheDirectory(),
  workerScript: join(__dirname, 'evalWorker.js'),
};
let runner = new EvalRunner(config.workerScript);
let cache = new EvalCache(config.cacheDirectory);

/** Every evaluation read, for the calibration view and warning (a)'s paired test. */
export const evalOutputsStore = new EvalOutputsStore();

export function configureEvalOutputs(update: Partial<EvalOutputsConfig>): void {
  config = { ...config, ...update };
  runner = new EvalRunner(config.workerScript);
  cache = new EvalCache(config.cacheDirectory);
}

/** Drops cached results nothing can ask for again and keeps the cache within its size and age limits. */
export function pruneEvalCache(): Promise<string[]> {
  return cache.prune();
}

async function identities(path: string): Promise<FileIdentity[]> {
  // A .npy labels file stands for its folder: a sibling rewritten (the logits of the next save) changes it.
  const paths = path.toLowerCase().endsWith('.npy') ? (await readdir(dirname(path))).filter((name) => name.toLowerCase().endsWith('.npy')).sort().map((name) => join(dirname(path), name)) : [path];
  // The metadata sidecar, when there is one, changes how the tokens pair: it is part of the identity too.
  const sidecar = metadataSidecarPath(path);
  const sidecarInfo = sidecar === undefined ? undefined : await stat(sidecar).catch(() => undefined);
  const found = await Promise.all(
    paths.map(async (file) => {
      const info = await stat(file);
      return { path: file, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
    }),
  );
  return sidecar === undefined || sidecarInfo === undefined ? found : [...found, { path: sidecar, size: sidecarInfo.size, mtimeMs: sidecarInfo.mtimeMs, ino: sidecarInfo.ino }];
}

/** Reads one evaluation: its computed statistics become points at its step; its details go to the store. */
export class EvalOutputsReader implements SourceReader {
  readonly format = EVAL_OUTPUTS_FORMAT.id;
  private key: string | undefined;
  private modified = 0;
  private readonly runId: string;
  /** The folders the format was built with (the user's may differ from `eval_outputs`): the step is looked for below them. */
  private readonly folders: readonly string[] | undefined;

  constructor(
    readonly path: string,
    format: LogFormat = EVAL_OUTPUTS_FORMAT,
  ) {
    this.runId = format.classify(path)?.runDirectory ?? dirname(path);
    this.folders = format.tensorFolders;
  }

  get modifiedMs(): number {
    return this.modified;
  }

  async read(): Promise<ReadOutcome> {
    let files: FileIdentity[];
    try {
      files = await identities(this.path);
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
    const options = { ...config.options, ...(this.folders === undefined ? {} : { evalOutputFolders: this.folders }) };
    const key = cacheKey(files, options);
    if (key === this.key) return { kind: 'unchanged' };
    this.modified = Math.max(...files.map((file) => file.mtimeMs));
    const cached = await cache.get(key, files);
    const result = cached ?? (await runner.run(this.path, options, (fraction) => config.onProgress?.(this.path, fraction)));
    if ('error' in result) {
      if (Date.now() - this.modified < FRESH_MS) return { kind: 'retry', message: result.error };
      this.key = key;
      this.evalStoreRemove();
      return { kind: 'failed', message: result.error };
    }
    this.key = key;
    if (cached === undefined) await cache.set(key, files, result).catch(() => undefined);
    evalOutputsStore.set(this.runId, { ...result, path: this.path });
    const problems = [...result.problems];
    // An evaluation whose pairing is left to the run's logged loss adds its points only once that decides it (resolvedRun.ts).
    return { kind: 'points', points: result.aligned === undefined ? evaluationPoints(result.summary, result.step) : [], replace: true, problems };
  }

  private evalStoreRemove(): void {
    evalOutputsStore.remove(this.runId, this.path);
  }

  dispose(): void {
    this.evalStoreRemove();
  }
}
