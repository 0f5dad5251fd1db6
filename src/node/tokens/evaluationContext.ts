import { join } from 'node:path';
import type { RoleOverrides } from '../../core/analysis/metricRoles';
import type { RunSnapshot } from '../../core/runStore';
import type { CalibrationView } from '../../core/tokens/calibrationView';
import type { ScoredPairing } from '../../core/tokens/pairingDecision';
import type { TokenRecords } from '../../core/tokens/tokenRecords';
import type { Problem } from '../../core/types';
import { calibrationFor } from './calibrationSource';
import { EvalCache, defaultCacheDirectory, type FileIdentity } from './evalCache';
import type { EvalComputeOptions, EvalFileResult } from './evalFileStats';
import { EvalOutputsStore, type RecordsKept } from './evalOutputsStore';
import { EvalRunner, type EvalOutcome } from './evalRunner';
import { SampleResultsStore } from './sampleResultsReader';

/** How evaluation outputs are read; the extension sets it from its settings and storage, the CLI takes the defaults. */
export interface EvalOutputsConfig {
  readonly options: EvalComputeOptions;
  readonly cacheDirectory: string;
  readonly workerScript: string | undefined;
  readonly onProgress?: (path: string, fraction: number) => void;
  /** Which evaluations keep per-token records in memory (evalOutputsStore.ts; the others' are read from the cache when compared); `compared` unless given. */
  readonly keepRecords?: RecordsKept;
}

/** The CLI's settings: no options, the cache in the user's own cache folder, the worker bundled beside this script. */
export function defaultEvalOutputsConfig(): EvalOutputsConfig {
  return { options: {}, cacheDirectory: defaultCacheDirectory(), workerScript: join(__dirname, 'evalWorker.js') };
}

/**
 * What reading evaluation outputs needs and fills, owned by the one that reads (a run session, the CLI's
 * report): the per-token and per-sample results by run and step, the worker pool, the cache and the
 * options. Readers are handed it; two sessions in one process share nothing.
 */
export class EvaluationContext {
  /** Every per-token evaluation read: the calibration view and warning (a)'s paired test. */
  readonly outputs: EvalOutputsStore;
  /** Every per-sample evaluation read: warning (a)'s paired test where no per-token outputs are. */
  readonly samples = new SampleResultsStore();
  private config: EvalOutputsConfig;
  private runnerOf: EvalRunner;
  private cacheOf: EvalCache;
  /** Scorings under way by cache key: a file asked for again meanwhile (scored ahead, then read) waits for the same one. */
  private readonly scoring = new Map<string, Promise<EvalOutcome>>();
  /** Why the cache in use refused its folder, once an evaluation was read without it. */
  private cacheRefusal: string | undefined;

  constructor(config: Partial<EvalOutputsConfig> = {}) {
    this.config = { ...defaultEvalOutputsConfig(), ...config };
    this.outputs = new EvalOutputsStore(this.config.keepRecords ?? 'compared');
    this.runnerOf = new EvalRunner(this.config.workerScript);
    this.cacheOf = new EvalCache(this.config.cacheDirectory);
  }

  get options(): EvalComputeOptions {
    return this.config.options;
  }

  get runner(): EvalRunner {
    return this.runnerOf;
  }

  get cache(): EvalCache {
    return this.cacheOf;
  }

  progress(path: string, fraction: number): void {
    this.config.onProgress?.(path, fraction);
  }

  /** New settings: what is read from now on follows them; a new worker script or cache folder replaces the pool or the cache. */
  configure(update: Partial<EvalOutputsConfig>): void {
    const before = this.config;
    this.config = { ...before, ...update };
    if (this.config.workerScript !== before.workerScript) {
      void this.runnerOf.dispose();
      this.runnerOf = new EvalRunner(this.config.workerScript);
    }
    if (this.config.cacheDirectory === before.cacheDirectory) return;
    this.cacheOf = new EvalCache(this.config.cacheDirectory);
    this.cacheRefusal = undefined;
  }

  /** The result for `key`: from a scoring already under way, from the cache, else scored by the pool and cached. */
  score(key: string, path: string, files: readonly FileIdentity[], options: EvalComputeOptions): Promise<EvalOutcome> {
    const running = this.scoring.get(key);
    if (running !== undefined) return running;
    const work = (async (): Promise<EvalOutcome> => {
      // The cache and pool of the moment: new settings may have replaced them since the last read.
      const cache = this.cacheOf;
      const cached = await cache.get(key, files);
      if (cached !== undefined) return this.rescoredWhenLost(cached, key, path, files, options);
      const refusal = await cache.refusal();
      if (refusal !== undefined && cache === this.cacheOf) this.cacheRefusal = refusal;
      const result = await this.runnerOf.run(path, options, (fraction) => this.progress(path, fraction));
      if ('error' in result) return result;
      return this.rescoredWhenLost(await cache.set(key, files, result).catch(() => result), key, path, files, options);
    })().finally(() => this.scoring.delete(key));
    this.scoring.set(key, work);
    return work;
  }

  /**
   * The result with its records backed by scoring again: a records file deleted, cut short or corrupt since its
   * entry was written (or never written: the cache refused its folder, and the store let go of the arrays)
   * gives the records of a new scoring of the same file, which is cached again (its pairing's records, when the
   * token count still matches). An evaluation that kept no records (past MAX_RECORD_TOKENS) gets none.
   */
  private rescoredWhenLost(result: EvalFileResult, key: string, path: string, files: readonly FileIdentity[], options: EvalComputeOptions): EvalFileResult {
    const rescore = async (): Promise<EvalFileResult | undefined> => {
      const scored = await this.runnerOf.run(path, options);
      if ('error' in scored) return undefined;
      await this.cacheOf.set(key, files, scored).catch(() => undefined);
      return scored;
    };
    const backed = <T extends ScoredPairing>(pairing: T, pick: (scored: EvalFileResult) => ScoredPairing | undefined): T => {
      const source = pairing.recordsSource;
      if (source === undefined && pairing.records === undefined) return pairing;
      const rescored = async (): Promise<TokenRecords | undefined> => {
        const scored = await rescore();
        const records = scored === undefined ? undefined : pick(scored)?.records;
        return records?.labels.length === pairing.correctness.length ? records : undefined;
      };
      return { ...pairing, recordsSource: { load: async () => (await source?.load()) ?? rescored() } };
    };
    const { aligned } = result;
    return {
      ...backed(result, (scored) => scored),
      ...(aligned === undefined ? {} : { aligned: backed(aligned, (scored) => scored.aligned) }),
    };
  }

  /**
   * What the user should know about reading evaluations beside each file's own problems: a cache folder
   * refused (not theirs, a link, not makeable) makes every evaluation be scored again each time, so it is
   * said once, at the folder, from the first evaluation read without it.
   */
  problems(): Problem[] {
    return this.cacheRefusal === undefined ? [] : [{ path: this.config.cacheDirectory, message: this.cacheRefusal }];
  }

  /** The calibration view of a run from the settled evaluation outputs read so far; null when it has none. */
  calibration(run: RunSnapshot | undefined, overrides: RoleOverrides = {}): CalibrationView | null {
    return calibrationFor(run, this.outputs, overrides);
  }

  /** Drops cached results nothing can ask for again and keeps the cache within its size and age limits. */
  pruneCache(): Promise<string[]> {
    return this.cacheOf.prune();
  }

  dispose(): Promise<void> {
    return this.runnerOf.dispose();
  }
}
