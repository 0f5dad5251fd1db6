import type { RowBatchScorer } from '../../../core/tokens/logitsRow';
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
}

/**
 * The SIMD kernel behind a RowBatchScorer: each chunk of logits is decoded (fp16, bf16) or copied (fp32)
 * into the kernel's memory, which grows to the largest chunk seen and so stays at one chunk, and scored
 * there, about three times faster than the scalar loop. Undefined where the runtime has no WebAssembly SIMD.
 */
export function createWasmRowScorer(): RowBatchScorer | undefined {
  let kernel: KernelExports;
  try {
    const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;
    kernel = new wasm.Instance(new wasm.Module(Buffer.from(LOGITS_KERNEL_BASE64, 'base64'))).exports as KernelExports;
  } catch {
    return undefined;
  }
  /** The kernel's memory: logits from 0, then the labels, then the float64 results (8-byte aligned). */
  const layout = (elements: number, rows: number): { labelsAt: number; outAt: number } => {
    const labelsAt = elements * 4;
    const outAt = Math.ceil((labelsAt + rows * 4) / 8) * 8;
    const needed = outAt + rows * 40;
    const memory = kernel.memory;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    return { labelsAt, outAt };
  };
  return {
    inputBuffer(elements: number, rows: number): Float32Array {
      layout(elements, rows);
      return new Float32Array(kernel.memory.buffer, 0, elements);
    },
    scoreRows(logits: Float32Array, rows: number, vocab: number, labels: Int32Array): Float64Array {
      const { labelsAt, outAt } = layout(rows * vocab, rows);
      const buffer = kernel.memory.buffer;
      // Logits decoded into inputBuffer() are in place already; others (an fp32 file's bytes) are copied in.
      if (logits.buffer !== buffer || logits.byteOffset !== 0) new Float32Array(buffer, 0, rows * vocab).set(logits.subarray(0, rows * vocab));
      new Int32Array(buffer, labelsAt, rows).set(labels.subarray(0, rows));
      kernel.scoreRows(0, rows, vocab, labelsAt, outAt);
      return new Float64Array(buffer, outAt, rows * 5).slice();
    },
  };
}
