import type { MessagePort } from 'node:worker_threads';
import { BATCH_SCORE_WIDTH } from '../../../core/tokens/logitsRow';
import type { RowHelperBuffers, RowHelperRequest } from './parallelRowScorer';
import { createWasmRowScorer } from './wasmRowScorer';

/**
 * The helper thread of a parallel scorer (parallelRowScorer.ts): scores the rows it is given in shared memory
 * with its own kernel instance, writes the outputs beside them, and says so through the control flags (a
 * failure too, so that the asking thread scores the rows itself).
 */
export function serveRows(port: MessagePort): void {
  const kernel = createWasmRowScorer();
  let buffers: RowHelperBuffers | undefined;
  /** The rows copied into the kernel's memory, kept while requests say they are unchanged. */
  let held: Float32Array | undefined;
  port.on('message', (request: RowHelperRequest) => {
    buffers = request.buffers ?? buffers;
    if (buffers === undefined) return;
    if (request.op === 'load') {
      // Answered by no flag (the asking thread is not waiting): the request that follows, taken after it, is.
      const { rows, vocab, dtype } = request;
      held = dtype === undefined ? undefined : kernel?.load(new Uint8Array(buffers.raw, 0, rows * vocab * 2), dtype, rows, vocab);
      return;
    }
    const control = new Int32Array(buffers.control);
    let failed = 1;
    try {
      if (kernel !== undefined) {
        const { rows, vocab, beta } = request;
        if (request.fresh || request.buffers !== undefined || held?.length !== rows * vocab)
          held = kernel.load(new Uint8Array(buffers.logits, 0, rows * vocab * 4), 'F32', rows, vocab);
        const logits = held ?? new Float32Array(buffers.logits, 0, rows * vocab);
        const labels = new Int32Array(buffers.labels, 0, rows);
        const out = new Float64Array(buffers.out);
        if (request.op === 'score') {
          const { scores, bins } = kernel.scoreRows(logits, rows, vocab, labels, request.binned ? new Int32Array(buffers.flags, 0, rows) : undefined);
          out.set(scores);
          if (bins !== undefined) out.set(bins, rows * BATCH_SCORE_WIDTH);
        } else if (request.op === 'moments') out.set(kernel.momentRows(logits, rows, vocab, labels, new Float64Array(buffers.maxima, 0, rows), beta));
        else out.set(kernel.temperatureRows(logits, rows, vocab, labels, beta));
        failed = 0;
      }
    } finally {
      Atomics.store(control, 1, failed);
      Atomics.store(control, 0, 1);
      Atomics.notify(control, 0);
    }
  });
  port.postMessage('ready');
}
