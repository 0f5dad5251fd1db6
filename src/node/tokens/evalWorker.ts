// The worker thread that scores evaluation outputs, so that reading gigabytes of logits never blocks the
// extension host. It gets one job, posts progress and the result, and exits.
import { parentPort, workerData } from 'node:worker_threads';
import { computeEvalFile, type EvalComputeOptions } from './evalFileStats';

interface Job {
  readonly path: string;
  readonly options: EvalComputeOptions;
}

const job = workerData as Job;
const port = parentPort;
if (port !== null) {
  computeEvalFile(job.path, job.options, (fraction) => port.postMessage({ kind: 'progress', fraction })).then(
    (result) => port.postMessage({ kind: 'done', result }),
    (error: unknown) => port.postMessage({ kind: 'done', result: { error: `Reading the evaluation failed: ${(error as Error).message}` } }),
  );
}
