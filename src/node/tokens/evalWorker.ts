// A worker thread of the pool that scores evaluation outputs (src/node/tokens/evalRunner.ts), so that
// reading gigabytes of logits never blocks the extension host. It takes jobs one at a time, for as long as
// the pool keeps it, and posts each job's progress and result.
import { parentPort, workerData } from 'node:worker_threads';
import { computeEvalFile, type EvalComputeOptions } from './evalFileStats';
import type { WorkerMessage } from './evalRunner';
import { serveRows } from './kernel/rowHelper';

interface Job {
  readonly path: string;
  readonly options: EvalComputeOptions;
}

const port = parentPort;
// The same script is the helper thread that scores half of each chunk's rows for a job (kernel/parallelRowScorer.ts).
if (port !== null && (workerData as { role?: string } | null)?.role === 'rows') serveRows(port);
else if (port !== null) {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  port.on('message', (job: Job) => {
    computeEvalFile(job.path, { ...job.options, rowHelper: __filename }, (fraction) => post({ kind: 'progress', fraction })).then(
      (result) => post({ kind: 'done', result }),
      (error: unknown) => post({ kind: 'done', result: { error: `Reading the evaluation failed: ${(error as Error).message}` } }),
    );
  });
}
