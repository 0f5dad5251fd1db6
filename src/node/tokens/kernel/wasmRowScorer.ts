import { BATCH_SCORE_WIDTH, TEMPERATURE_ROW_WIDTH, type RowBatchScorer } from '../../../core/tokens/logitsRow';
import type { DType } from '../../../core/tokens/tensorInfo';
import { BINS } from '../../../core/tokens/temperatureFit';
import { MOMENTS } from '../../../core/tokens/temperatureMoments';
import { LOGITS_KERNEL_BASE64 } from './logitsKernelBytes';

const PAGE = 65536;

/** The part of WebAssembly used here (Node's typings at this version do not declare its constructors). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scoreRows(logits: number, rows: number, vocab: number, labels: number, out: number): void;
  binRows(logits: number, rows: number, vocab: number, flags: number, scores: number, bins: number, scratch: number): void;
  widenF16(source: number, target: number, count: number): void;
  widenBF16(source: number, target: number, count: number): void;
  temperatureRows(logits: number, rows: number, vocab: number, labels: number, beta: number, out: number): void;
  momentRows(logits: number, rows: number, vocab: number, labels: number, maxima: number, beta: number, out: number, scratch: number): void;
}

/** Float64 numbers of one row's temperature histogram: counts, sums and sums of squares of 193 bins. */
const BIN_NUMBERS = 3 * BINS;

/** The kernel's scorer, which can also put rows in place as stored and widen them part by part. */
export interface WasmRowScorer extends RowBatchScorer {
  /**
   * As load(), widening only the first `widenRows` rows: the others stay as stored (half precision) until
   * widen() is asked for them, and their float32 values are meanwhile whatever the memory held.
   */
  stage(bytes: Uint8Array, dtype: DType, rows: number, vocab: number, widenRows: number): Float32Array | undefined;
  /** Widens elements [from, end) of the rows stage() last put in place (nothing for float32, copied whole). */
  widen(from: number, end: number): void;
}

/**
 * The SIMD kernel behind a RowBatchScorer: each chunk of logits is copied (fp32) or widened (fp16, bf16,
 * by the kernel) into the kernel's memory, which grows to the largest chunk seen and so stays at one chunk,
 * and scored there, about three times faster than the scalar loop. Undefined where the runtime has no WebAssembly SIMD.
 */
export function createWasmRowScorer(): WasmRowScorer | undefined {
  let kernel: KernelExports;
  try {
    const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;
    kernel = new wasm.Instance(new wasm.Module(Buffer.from(LOGITS_KERNEL_BASE64, 'base64'))).exports as KernelExports;
  } catch {
    return undefined;
  }
  /** The kernel's memory: logits from 0, the labels, the float64 results (8-byte aligned), the bin flags, the histograms. */
  const layout = (
    elements: number,
    rows: number,
    rawBytes = 0,
  ): { labelsAt: number; outAt: number; flagsAt: number; binsAt: number; scratchAt: number; rawAt: number } => {
    const labelsAt = elements * 4;
    const outAt = Math.ceil((labelsAt + rows * 4) / 8) * 8;
    const flagsAt = outAt + rows * BATCH_SCORE_WIDTH * 8;
    const binsAt = Math.ceil((flagsAt + rows * 4) / 8) * 8;
    // Four histograms the kernel bins one row into, then half-precision bytes waiting to be widened.
    const scratchAt = binsAt + rows * BIN_NUMBERS * 8;
    const rawAt = Math.ceil((scratchAt + 4 * BIN_NUMBERS * 8) / 16) * 16;
    const needed = rawAt + rawBytes;
    const memory = kernel.memory;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    return { labelsAt, outAt, flagsAt, binsAt, scratchAt, rawAt };
  };
  /** Where stage() left half-precision rows, and how they widen. */
  let staged: { readonly rawAt: number; readonly elements: number; readonly widen: (source: number, target: number, count: number) => void } | undefined;
  const stage = (bytes: Uint8Array, dtype: DType, rows: number, vocab: number, widenRows: number): Float32Array | undefined => {
    const elements = rows * vocab;
    staged = undefined;
    if (dtype === 'F32') {
      layout(elements, rows);
      new Uint8Array(kernel.memory.buffer, 0, elements * 4).set(bytes.subarray(0, elements * 4));
      return new Float32Array(kernel.memory.buffer, 0, elements);
    }
    if (dtype !== 'F16' && dtype !== 'BF16') return undefined;
    const { rawAt } = layout(elements, rows, elements * 2);
    new Uint8Array(kernel.memory.buffer, rawAt, elements * 2).set(bytes.subarray(0, elements * 2));
    staged = { rawAt, elements, widen: dtype === 'F16' ? kernel.widenF16 : kernel.widenBF16 };
    staged.widen(rawAt, 0, Math.min(rows, widenRows) * vocab);
    return new Float32Array(kernel.memory.buffer, 0, elements);
  };
  return {
    stage,
    widen(from: number, end: number): void {
      if (staged === undefined || !(from < end) || end > staged.elements) return;
      staged.widen(staged.rawAt + 2 * from, 4 * from, end - from);
    },
    load(bytes: Uint8Array, dtype: DType, rows: number, vocab: number): Float32Array | undefined {
      return stage(bytes, dtype, rows, vocab, rows);
    },
    scoreRows(
      logits: Float32Array,
      rows: number,
      vocab: number,
      labels: Int32Array,
      bin?: Int32Array,
    ): { scores: Float64Array; bins: Float64Array | undefined } {
      const { labelsAt, outAt, flagsAt, binsAt, scratchAt } = layout(rows * vocab, rows);
      const buffer = kernel.memory.buffer;
      // Logits put there by load() are in place already; others are copied in.
      if (logits.buffer !== buffer || logits.byteOffset !== 0) {
        new Float32Array(buffer, 0, rows * vocab).set(logits.subarray(0, rows * vocab));
        staged = undefined;
      }
      new Int32Array(buffer, labelsAt, rows).set(labels.subarray(0, rows));
      // Rows not scored read as 0, not as what an earlier call left there.
      new Float64Array(buffer, outAt, rows * BATCH_SCORE_WIDTH).fill(0);
      kernel.scoreRows(0, rows, vocab, labelsAt, outAt);
      const scores = new Float64Array(buffer, outAt, rows * BATCH_SCORE_WIDTH).slice();
      if (bin === undefined || !bin.includes(1)) return { scores, bins: undefined };
      new Int32Array(buffer, flagsAt, rows).set(bin.subarray(0, rows));
      new Float64Array(buffer, binsAt, rows * BIN_NUMBERS).fill(0);
      kernel.binRows(0, rows, vocab, flagsAt, outAt, binsAt, scratchAt);
      return { scores, bins: new Float64Array(buffer, binsAt, rows * BIN_NUMBERS).slice() };
    },
    temperatureRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array, beta: number): Float64Array {
      // The temperature sums (four numbers a row) go where the scores would: they need fewer bytes.
      const { labelsAt, outAt } = layout(rows * vocab, rows);
      const buffer = kernel.memory.buffer;
      if (logits.buffer !== buffer || logits.byteOffset !== 0) {
        new Float32Array(buffer, 0, rows * vocab).set(logits.subarray(0, rows * vocab));
        staged = undefined;
      }
      new Int32Array(buffer, labelsAt, rows).set(labels.subarray(0, rows));
      new Float64Array(buffer, outAt, rows * TEMPERATURE_ROW_WIDTH).fill(0);
      kernel.temperatureRows(0, rows, vocab, labelsAt, beta, outAt);
      return new Float64Array(buffer, outAt, rows * TEMPERATURE_ROW_WIDTH).slice();
    },
    momentRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array, maxima: Float64Array, beta: number): Float64Array {
      // The maxima go where the scores would, the moments where the histograms would: both areas are larger.
      const { labelsAt, outAt, binsAt, scratchAt } = layout(rows * vocab, rows);
      const buffer = kernel.memory.buffer;
      if (logits.buffer !== buffer || logits.byteOffset !== 0) {
        new Float32Array(buffer, 0, rows * vocab).set(logits.subarray(0, rows * vocab));
        staged = undefined;
      }
      new Int32Array(buffer, labelsAt, rows).set(labels.subarray(0, rows));
      new Float64Array(buffer, outAt, rows).set(maxima.subarray(0, rows));
      new Float64Array(buffer, binsAt, rows * MOMENTS).fill(0);
      kernel.momentRows(0, rows, vocab, labelsAt, outAt, beta, binsAt, scratchAt);
      return new Float64Array(buffer, binsAt, rows * MOMENTS).slice();
    },
  };
}
