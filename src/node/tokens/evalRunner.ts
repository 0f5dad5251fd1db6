import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { computeEvalFile, type EvalComputeOptions, type EvalFileResult } from './evalFileStats';

type Outcome = EvalFileResult | { error: string };

/**
 * Runs evaluations in worker threads, a few at a time (one core is left to the editor). Without a bundled
 * worker script (unit tests run from sources) the same code runs on this thread, chunk by chunk.
 */
export class EvalRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit = Math.max(1, availableParallelism() - 1);

  constructor(private readonly workerScript: string | undefined) {}

  async run(path: string, options: EvalComputeOptions, onProgress?: (fraction: number) => void): Promise<Outcome> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      const script = this.workerScript;
      if (script === undefined || !existsSync(script)) return await computeEvalFile(path, options, onProgress);
      return await inWorker(script, path, options, onProgress);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function inWorker(script: string, path: string, options: EvalComputeOptions, onProgress?: (fraction: number) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const worker = new Worker(script, { workerData: { path, options } });
    let settled = false;
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
      void worker.terminate();
    };
    worker.on('message', (message: { kind: 'progress'; fraction: number } | { kind: 'done'; result: Outcome }) => {
      if (message.kind === 'progress') onProgress?.(message.fraction);
      else settle(message.result);
    });
    worker.on('error', (error) => settle({ error: `Reading the evaluation failed: ${error.message}` }));
    worker.on('exit', (code) => settle({ error: `The evaluation reader stopped (exit code ${code}).` }));
  });
}
