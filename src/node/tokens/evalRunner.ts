import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { computeEvalFile, type EvalComputeOptions, type EvalFileResult } from './evalFileStats';

export type EvalOutcome = EvalFileResult | { error: string };

/** More workers than this gain nothing: scoring is memory-bound, and each worker holds a file's chunks. */
const MAX_WORKERS = 4;
/** A worker with nothing to do for this long ends, so an idle editor holds no thread. */
const IDLE_MS = 30_000;

/** One worker per core, at most `MAX_WORKERS`: on two cores both score, and the editor's thread only waits on I/O. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

interface Job {
  readonly path: string;
  readonly options: EvalComputeOptions;
  readonly onProgress: ((fraction: number) => void) | undefined;
  readonly resolve: (outcome: EvalOutcome) => void;
}

/** What the worker thread posts: progress of its job, then its result. */
export type WorkerMessage = { readonly kind: 'progress'; readonly fraction: number } | { readonly kind: 'done'; readonly result: EvalOutcome };

interface PooledWorker {
  readonly worker: Worker;
  job: Job | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Scores evaluation files in a bounded pool of worker threads, each kept for file after file (starting a
 * thread per file cost more than scoring a small one: 10,000 files took 8 minutes). Jobs wait in order of
 * arrival. A worker that fails or exits takes only its own job with it; the next job starts a fresh one.
 * Without a bundled worker script (unit tests run from sources) the same code runs on this thread, as many
 * at a time as the pool would run.
 */
export class EvalRunner {
  private readonly workers = new Set<PooledWorker>();
  private readonly queue: Job[] = [];
  private inline = 0;
  private disposed = false;
  /** The most workers alive at once, and how many were ever started: what a test of the bound looks at. */
  private peak = 0;
  private started = 0;
  private jobs = 0;
  private readonly workerScript: string | undefined;

  constructor(
    workerScript: string | undefined,
    readonly size = defaultPoolSize(),
  ) {
    this.workerScript = workerScript !== undefined && existsSync(workerScript) ? workerScript : undefined;
  }

  get stats(): { readonly alive: number; readonly peak: number; readonly started: number; readonly jobs: number } {
    return { alive: this.workers.size, peak: this.peak, started: this.started, jobs: this.jobs };
  }

  run(path: string, options: EvalComputeOptions, onProgress?: (fraction: number) => void): Promise<EvalOutcome> {
    if (this.disposed) return Promise.resolve({ error: 'The evaluation reader was stopped.' });
    this.jobs++;
    return new Promise((resolve) => {
      this.queue.push({ path, options, onProgress, resolve });
      this.dispatch();
    });
  }

  private dispatch(): void {
    const script = this.workerScript;
    while (this.queue.length > 0) {
      if (script === undefined) {
        if (this.inline >= this.size) return;
        this.runInline(this.queue.shift() as Job);
        continue;
      }
      let idle: PooledWorker | undefined;
      for (const pooled of this.workers) if (pooled.job === undefined) idle = pooled;
      if (idle === undefined && this.workers.size >= this.size) return;
      this.assign(idle ?? this.spawn(script), this.queue.shift() as Job);
    }
  }

  private runInline(job: Job): void {
    this.inline++;
    void computeEvalFile(job.path, job.options, job.onProgress)
      .catch((error: unknown) => ({ error: `Reading the evaluation failed: ${(error as Error).message}` }))
      .then((outcome) => {
        this.inline--;
        job.resolve(outcome);
        this.dispatch();
      });
  }

  private spawn(script: string): PooledWorker {
    const pooled: PooledWorker = { worker: new Worker(script), job: undefined, idleTimer: undefined };
    this.workers.add(pooled);
    this.started++;
    this.peak = Math.max(this.peak, this.workers.size);
    pooled.worker.on('message', (message: WorkerMessage) => {
      const job = pooled.job;
      if (job === undefined) return;
      if (message.kind === 'progress') {
        job.onProgress?.(message.fraction);
        return;
      }
      pooled.job = undefined;
      job.resolve(message.result);
      this.idle(pooled);
      this.dispatch();
    });
    pooled.worker.on('error', (error) => this.lost(pooled, `Reading the evaluation failed: ${error.message}`));
    pooled.worker.on('exit', (code) => this.lost(pooled, `The evaluation reader stopped (exit code ${code}).`));
    return pooled;
  }

  private assign(pooled: PooledWorker, job: Job): void {
    if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = undefined;
    pooled.job = job;
    pooled.worker.ref();
    pooled.worker.postMessage({ path: job.path, options: job.options });
  }

  private idle(pooled: PooledWorker): void {
    // An idle worker never keeps the CLI's process alive.
    pooled.worker.unref();
    pooled.idleTimer = setTimeout(() => {
      if (pooled.job !== undefined) return;
      this.workers.delete(pooled);
      void pooled.worker.terminate();
    }, IDLE_MS);
    pooled.idleTimer.unref();
  }

  /** A worker that failed or exited: its job (if any) gets the error, and the queue goes on without it. */
  private lost(pooled: PooledWorker, message: string): void {
    if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
    if (!this.workers.delete(pooled)) return;
    const job = pooled.job;
    pooled.job = undefined;
    void pooled.worker.terminate();
    job?.resolve({ error: message });
    if (!this.disposed) this.dispatch();
  }

  /** Ends every worker; jobs still waiting or running get an error. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.resolve({ error: 'The evaluation reader was stopped.' });
    const workers = [...this.workers];
    for (const pooled of workers) this.lost(pooled, 'The evaluation reader was stopped.');
    await Promise.all(workers.map((pooled) => pooled.worker.terminate()));
  }
}
