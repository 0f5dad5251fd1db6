import { DTYPE_BYTES, elementCount, type DType, type HeaderResult, type TensorDirectory, type TensorInfo } from './tensorInfo';

const decoder = new TextDecoder('utf-8');
/** safetensors refuses headers above 100 MB; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;

function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, value);
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((size) => Number.isInteger(size) && size >= 0);
}

/**
 * Reads a safetensors header from the file's first bytes: an 8-byte little-endian length, then that many
 * bytes of JSON naming each tensor's dtype, shape and [begin, end) offsets after the header.
 */
export function parseSafetensorsHeader(head: Uint8Array): HeaderResult<TensorDirectory> {
  if (head.length < 8) return { kind: 'need-more', bytes: 8 };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const length = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (length > MAX_HEADER_BYTES || length < 2) return { kind: 'invalid', message: `This is not a safetensors file (its header would be ${length} bytes).` };
  if (head.length < 8 + length) return { kind: 'need-more', bytes: 8 + length };
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(head.subarray(8, 8 + length)));
  } catch {
    return { kind: 'invalid', message: 'The safetensors header is not valid JSON.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'invalid', message: 'The safetensors header is not a JSON object.' };
  const dataStart = 8 + length;
  const tensors: TensorInfo[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry === 'object' && entry !== null) for (const [key, value] of Object.entries(entry)) if (typeof value === 'string') metadata[key] = value;
      continue;
    }
    if (typeof entry !== 'object' || entry === null) return { kind: 'invalid', message: `Tensor "${name}" has no description in the safetensors header.` };
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDType(dtype)) return { kind: 'invalid', message: `Tensor "${name}" has dtype ${String(dtype)}, which is not read (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL are).` };
    if (!isShape(shape) || !Array.isArray(offsets) || offsets.length !== 2) return { kind: 'invalid', message: `Tensor "${name}" has a malformed shape or data_offsets.` };
    const [begin, end] = offsets as unknown[];
    if (typeof begin !== 'number' || typeof end !== 'number' || end - begin !== elementCount(shape) * DTYPE_BYTES[dtype]) {
      return { kind: 'invalid', message: `Tensor "${name}": its data_offsets do not match its shape and dtype.` };
    }
    tensors.push({ name, dtype, shape, offset: dataStart + begin, byteLength: end - begin });
  }
  return { kind: 'ok', value: { tensors, metadata } };
}
