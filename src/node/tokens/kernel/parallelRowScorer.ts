import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BATCH_SCORE_WIDTH, TEMPERATURE_ROW_WIDTH, type RowBatchScorer } from '../../../core/tokens/logitsRow';
import type { DType } from '../../../core/tokens/tensorInfo';
import { BINS } from '../../../core/tokens/temperatureFit';
import { MOMENTS } from '../../../core/tokens/temperatureMoments';
import { createWasmRowScorer } from './wasmRowScorer';

/** Float64 numbers of one row's temperature histogram (wasmRowScorer.ts). */
const BIN_NUMBERS = 3 * BINS;
/** Output numbers a row at most: the scores and the histogram of the scoring call. */
const OUT_WIDTH = BATCH_SCORE_WIDTH + BIN_NUMBERS;
/** Fewer rows than this in a call are scored on this thread alone: the hand-over would cost more than it saves. */
const MIN_SPLIT_ROWS = 8;
/** A helper that has not answered in this long is taken for lost: its rows are scored here, and it is not asked again. */
const ANSWER_MS = 60_000;

/** What the helper thread is asked: an operation on its rows, with new shared buffers when they had to grow. */
export interface RowHelperRequest {
  /** 'load': take the rows as stored from `raw` (`dtype`) and widen them; answered by no flag, the next request waits for it. */
  readonly op: 'load' | 'score' | 'moments' | 'temperature';
  readonly dtype?: DType;
  readonly rows: number;
  readonly vocab: number;
  readonly beta: number;
  readonly binned: boolean;
  /** False when the shared logits are those of the last request: the helper's kernel still holds them. */
  readonly fresh: boolean;
  readonly buffers?: RowHelperBuffers;
}

/** Memory both threads see: [answered, failed] flags, the helper's logits (float32, or as stored), labels, bin flags, maxima, and its outputs. */
export interface RowHelperBuffers {
  readonly control: SharedArrayBuffer;
  readonly logits: SharedArrayBuffer;
  readonly raw: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  readonly flags: SharedArrayBuffer;
  readonly maxima: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
}

/** A scorer that may hold a thread: `dispose` ends it. */
export interface DisposableRowScorer {
  readonly scorer: RowBatchScorer;
  /** Resolves true once a helper thread takes part, false when there is none (or it failed to start). */
  ready(): Promise<boolean>;
  dispose(): Promise<void>;
}

/**
 * The SIMD kernel on two threads: each call's rows are split in two, the first part scored on this thread
 * while a helper thread (`helperScript`, run with workerData `{ role: 'rows' }`, its own kernel instance)
 * scores the rest from a shared copy, and the outputs are put together in row order. Every number a row
 * gives comes from that row alone, so the result is the one-thread result, bit for bit, wherever the split
 * falls. One thread only (no second core, no script, a helper that fails): the plain kernel.
 */
export function createParallelRowScorer(helperScript: string | undefined): DisposableRowScorer | undefined {
  const local = createWasmRowScorer();
  if (local === undefined) return undefined;
  const alone = { scorer: local, ready: () => Promise.resolve(false), dispose: () => Promise.resolve() };
  if (helperScript === undefined || availableParallelism() < 2) return alone;
  let started: Worker;
  try {
    started = new Worker(helperScript, { workerData: { role: 'rows' } });
  } catch {
    return alone;
  }
  started.unref();
  // Asked only once it said it is ready: a helper that fails to start is never waited for.
  let helper: Worker | undefined;
  let lost = false;
  const ready = new Promise<boolean>((resolve) => {
    started.once('message', () => {
      helper = lost ? undefined : started;
      resolve(!lost);
    });
    const lose = (): void => {
      lost = true;
      helper = undefined;
      resolve(false);
    };
    started.on('error', lose);
    started.on('exit', lose);
  });
  const control = new Int32Array(new SharedArrayBuffer(8));
  let capacity = { rows: 0, elements: 0 };
  let buffers: RowHelperBuffers | undefined;
  let sent = false;
  /** The rows load() last gave, and what of them the shared buffer holds. */
  let loaded: Float32Array | undefined;
  let copied: { logits: Float32Array; from: number; rows: number; vocab: number; shared: RowHelperBuffers } | undefined;
  /** Rows [from, rows) of the chunk load() last gave that were handed to the helper as stored and not widened here. */
  let unwidened: { from: number; rows: number; vocab: number } | undefined;

  /** Widens here the rows load() handed over unwidened, when `logits` is that chunk: before this thread reads them. */
  const widenAll = (logits: Float32Array): void => {
    if (unwidened === undefined || logits !== loaded) return;
    local.widen(unwidened.from * unwidened.vocab, unwidened.rows * unwidened.vocab);
    unwidened = undefined;
  };

  /** The label's logit of each of the helper's unwidened rows, widened here: the caller reads those. */
  const widenLabels = (logits: Float32Array, labels: Int32Array): void => {
    if (unwidened === undefined || logits !== loaded) return;
    const { from, rows, vocab } = unwidened;
    for (let r = from; r < rows; r++) {
      const label = labels[r] as number;
      if (label >= 0 && label < vocab) local.widen(r * vocab + label, r * vocab + label + 1);
    }
  };

  /** The shared buffers, grown (and sent again) for `rows` rows of `vocab`. */
  const reserve = (rows: number, vocab: number): RowHelperBuffers => {
    if (buffers !== undefined && capacity.rows >= rows && capacity.elements >= rows * vocab) return buffers;
    capacity = { rows: Math.max(rows, capacity.rows), elements: Math.max(rows * vocab, capacity.elements) };
    buffers = {
      control: control.buffer as SharedArrayBuffer,
      logits: new SharedArrayBuffer(capacity.elements * 4),
      raw: new SharedArrayBuffer(capacity.elements * 2),
      labels: new SharedArrayBuffer(capacity.rows * 4),
      flags: new SharedArrayBuffer(capacity.rows * 4),
      maxima: new SharedArrayBuffer(capacity.rows * 8),
      out: new SharedArrayBuffer(capacity.rows * OUT_WIDTH * 8),
    };
    sent = false;
    return buffers;
  };

  /**
   * Asks the helper for rows [from, from + rows) and runs `here` meanwhile; the helper's outputs (a view of the
   * shared buffer), or undefined when it is gone or failed (its rows are then scored here).
   */
  const split = (
    request: Omit<RowHelperRequest, 'buffers' | 'fresh'>,
    logits: Float32Array,
    from: number,
    labels: Int32Array,
    flags: Int32Array | undefined,
    maxima: Float64Array | undefined,
    here: () => void,
  ): Float64Array | undefined => {
    const worker = helper;
    if (worker === undefined) {
      here();
      return undefined;
    }
    const { rows, vocab } = request;
    const shared = reserve(rows, vocab);
    // The chunk load() gave, asked about again (another pairing, its moments): the helper's copy is still there.
    const held =
      copied !== undefined &&
      logits === loaded &&
      copied.logits === logits &&
      copied.from === from &&
      copied.rows === rows &&
      copied.vocab === vocab &&
      copied.shared === shared;
    // Widened here and copied: handing the helper its rows as stored (half the bytes for fp16) to widen itself
    // while this thread loads the chunk measured no faster on 8 fp16 chunks of 128 × 32,000.
    if (!held) {
      widenAll(logits);
      new Float32Array(shared.logits, 0, rows * vocab).set(logits.subarray(from * vocab, (from + rows) * vocab));
      copied = { logits, from, rows, vocab, shared };
    }
    new Int32Array(shared.labels, 0, rows).set(labels.subarray(from, from + rows));
    if (flags !== undefined) new Int32Array(shared.flags, 0, rows).set(flags.subarray(from, from + rows));
    if (maxima !== undefined) new Float64Array(shared.maxima, 0, rows).set(maxima.subarray(from, from + rows));
    Atomics.store(control, 0, 0);
    worker.postMessage(sent ? { ...request, fresh: !held } : { ...request, fresh: true, buffers: shared });
    sent = true;
    here();
    if (Atomics.wait(control, 0, 0, ANSWER_MS) === 'timed-out' || Atomics.load(control, 1) !== 0) {
      helper = undefined;
      lost = true;
      return undefined;
    }
    return new Float64Array(shared.out, 0, rows * OUT_WIDTH);
  };

  /**
   * Labels (or flags) with the helper's rows set to -1 (0): this thread's kernel is called on every row, so
   * that its memory layout is the whole chunk's (a call on fewer rows would put its labels over the later
   * rows' logits), and skips the helper's rows.
   */
  const firstPart = (values: Int32Array, rows: number, half: number, none: number): Int32Array => {
    const part = values.slice(0, rows);
    part.fill(none, half);
    return part;
  };

  const scorer: RowBatchScorer = {
    load(bytes: Uint8Array, dtype: DType, rows: number, vocab: number): Float32Array | undefined {
      copied = undefined;
      unwidened = undefined;
      const worker = helper;
      if (worker === undefined || rows < MIN_SPLIT_ROWS || (dtype !== 'F16' && dtype !== 'BF16')) {
        loaded = local.load(bytes, dtype, rows, vocab);
        return loaded;
      }
      // Half-precision rows: the helper's half is handed over as stored (half the bytes of float32) and widened
      // there while this thread widens its own; the label's logit of each of its rows is widened here when asked.
      const half = rows >> 1;
      loaded = local.stage(bytes, dtype, rows, vocab, half);
      if (loaded === undefined) return undefined;
      const shared = reserve(rows - half, vocab);
      new Uint8Array(shared.raw, 0, (rows - half) * vocab * 2).set(bytes.subarray(half * vocab * 2, rows * vocab * 2));
      const request: RowHelperRequest = { op: 'load', dtype, rows: rows - half, vocab, beta: 0, binned: false, fresh: true };
      worker.postMessage(sent ? request : { ...request, buffers: shared });
      sent = true;
      copied = { logits: loaded, from: half, rows: rows - half, vocab, shared };
      unwidened = { from: half, rows, vocab };
      return loaded;
    },
    scoreRows(logits, rows, vocab, labels, bin) {
      if (rows < MIN_SPLIT_ROWS || helper === undefined) {
        widenAll(logits);
        return local.scoreRows(logits, rows, vocab, labels, bin);
      }
      const binned = bin !== undefined && bin.subarray(0, rows).includes(1);
      const half = rows >> 1;
      let mine: { readonly scores: Float64Array; readonly bins: Float64Array | undefined } | undefined;
      const request = { op: 'score' as const, rows: rows - half, vocab, beta: 0, binned };
      const helped = split(request, logits, half, labels, bin, undefined, () => {
        mine = local.scoreRows(logits, rows, vocab, firstPart(labels, rows, half, -1), bin === undefined ? undefined : firstPart(bin, rows, half, 0));
      });
      if (helped === undefined || mine === undefined) {
        widenAll(logits);
        return local.scoreRows(logits, rows, vocab, labels, bin);
      }
      widenLabels(logits, labels);
      const scores = mine.scores;
      scores.set(helped.subarray(0, (rows - half) * BATCH_SCORE_WIDTH), half * BATCH_SCORE_WIDTH);
      if (!binned) return { scores, bins: undefined };
      const bins = mine.bins ?? new Float64Array(rows * BIN_NUMBERS);
      const start = (rows - half) * BATCH_SCORE_WIDTH;
      // The helper writes histograms only when some of its rows are flagged (else its buffer holds older ones).
      if (bin?.subarray(half, rows).includes(1) === true) bins.set(helped.subarray(start, start + (rows - half) * BIN_NUMBERS), half * BIN_NUMBERS);
      return { scores, bins };
    },
    temperatureRows(logits, rows, vocab, labels, beta) {
      if (rows < MIN_SPLIT_ROWS || helper === undefined) {
        widenAll(logits);
        return local.temperatureRows(logits, rows, vocab, labels, beta);
      }
      const half = rows >> 1;
      let sums: Float64Array | undefined;
      const request = { op: 'temperature' as const, rows: rows - half, vocab, beta, binned: false };
      const helped = split(request, logits, half, labels, undefined, undefined, () => {
        sums = local.temperatureRows(logits, rows, vocab, firstPart(labels, rows, half, -1), beta);
      });
      if (helped === undefined || sums === undefined) {
        widenAll(logits);
        return local.temperatureRows(logits, rows, vocab, labels, beta);
      }
      widenLabels(logits, labels);
      sums.set(helped.subarray(0, (rows - half) * TEMPERATURE_ROW_WIDTH), half * TEMPERATURE_ROW_WIDTH);
      return sums;
    },
    momentRows(logits, rows, vocab, labels, maxima, beta) {
      if (rows < MIN_SPLIT_ROWS || helper === undefined) {
        widenAll(logits);
        return local.momentRows(logits, rows, vocab, labels, maxima, beta);
      }
      const half = rows >> 1;
      let moments: Float64Array | undefined;
      const request = { op: 'moments' as const, rows: rows - half, vocab, beta, binned: false };
      const helped = split(request, logits, half, labels, undefined, maxima, () => {
        moments = local.momentRows(logits, rows, vocab, firstPart(labels, rows, half, -1), maxima, beta);
      });
      if (helped === undefined || moments === undefined) {
        widenAll(logits);
        return local.momentRows(logits, rows, vocab, labels, maxima, beta);
      }
      moments.set(helped.subarray(0, (rows - half) * MOMENTS), half * MOMENTS);
      return moments;
    },
  };
  return {
    scorer,
    ready: () => ready,
    dispose: async () => {
      helper = undefined;
      lost = true;
      await started.terminate();
    },
  };
}
