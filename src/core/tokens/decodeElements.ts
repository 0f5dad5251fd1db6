import { DTYPE_BYTES, type DType } from './tensorInfo';

/** Every half-precision bit pattern's value: one lookup per element beats bit twiddling in a hot loop. */
let halfTable: Float32Array | undefined;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function getHalfTable(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToFloat(bits);
  }
  return halfTable;
}

/** The buffer to view `bytes` through as elements of `width` bytes: its own, or an aligned copy when it is not aligned. */
function aligned(bytes: Uint8Array, width: number): ArrayBuffer {
  if (bytes.byteOffset % width === 0) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

function offsetFor(bytes: Uint8Array, width: number): number {
  return bytes.byteOffset % width === 0 ? bytes.byteOffset : 0;
}

/**
 * Little-endian floats as a Float32Array, in `out` when given (it must hold the elements). F32 is viewed in
 * place when aligned; F16 goes through a table; BF16 is the top half of an F32, so it is widened by a shift.
 */
export function decodeFloats(bytes: Uint8Array, dtype: DType, out?: Float32Array): Float32Array {
  const count = Math.floor(bytes.length / DTYPE_BYTES[dtype]);
  const target = out !== undefined && out.length >= count ? out.subarray(0, count) : undefined;
  switch (dtype) {
    case 'F32': {
      const view = new Float32Array(aligned(bytes, 4), offsetFor(bytes, 4), count);
      if (target === undefined) return view;
      target.set(view);
      return target;
    }
    case 'F16': {
      const table = getHalfTable();
      const halves = new Uint16Array(aligned(bytes, 2), offsetFor(bytes, 2), count);
      const result = target ?? new Float32Array(count);
      for (let i = 0; i < count; i++) result[i] = table[halves[i] as number] as number;
      return result;
    }
    case 'BF16': {
      const halves = new Uint16Array(aligned(bytes, 2), offsetFor(bytes, 2), count);
      const result = target ?? new Float32Array(count);
      const wide = new Uint32Array(result.buffer, result.byteOffset, count);
      for (let i = 0; i < count; i++) wide[i] = (halves[i] as number) << 16;
      return result;
    }
    case 'F64': {
      const view = new Float64Array(aligned(bytes, 8), offsetFor(bytes, 8), count);
      const result = target ?? new Float32Array(count);
      result.set(view);
      return result;
    }
    default: {
      const numbers = decodeIntegers(bytes, dtype);
      const result = target ?? new Float32Array(count);
      result.set(numbers);
      return result;
    }
  }
}

/**
 * Integers (token ids, labels) as a Float64Array, which holds every id exactly. Floats are accepted too:
 * some dumps store predictions as floats.
 */
export function decodeIntegers(bytes: Uint8Array, dtype: DType): Float64Array {
  const count = Math.floor(bytes.length / DTYPE_BYTES[dtype]);
  const result = new Float64Array(count);
  switch (dtype) {
    case 'I64': {
      const words = new Int32Array(aligned(bytes, 8), offsetFor(bytes, 8), count * 2);
      // Low word unsigned plus the signed high word: exact for every id a vocabulary can have.
      for (let i = 0; i < count; i++) result[i] = ((words[2 * i] as number) >>> 0) + (words[2 * i + 1] as number) * 4294967296;
      return result;
    }
    case 'I32':
      result.set(new Int32Array(aligned(bytes, 4), offsetFor(bytes, 4), count));
      return result;
    case 'I16':
      result.set(new Int16Array(aligned(bytes, 2), offsetFor(bytes, 2), count));
      return result;
    case 'I8':
      result.set(new Int8Array(bytes.buffer, bytes.byteOffset, count));
      return result;
    case 'U8':
    case 'BOOL':
      result.set(bytes.subarray(0, count));
      return result;
    default:
      result.set(decodeFloats(bytes, dtype));
      return result;
  }
}
