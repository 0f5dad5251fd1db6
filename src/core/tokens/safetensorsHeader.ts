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

/** Two tensors whose byte ranges overlap (the safetensors library refuses such a file), if any. */
function firstOverlap(tensors: readonly TensorInfo[]): [string, string] | undefined {
  const ordered = tensors.filter((tensor) => tensor.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < ordered.length; i++) {
    const before = ordered[i - 1] as TensorInfo;
    const after = ordered[i] as TensorInfo;
    if (after.offset < before.offset + before.byteLength) return [before.name, after.name];
  }
  return undefined;
}

/**
 * Reads a safetensors header from the file's first bytes: an 8-byte little-endian length, then that many
 * bytes of JSON naming each tensor's dtype, shape and [begin, end) offsets after the header.
 */
export function parseSafetensorsHeader(head: Uint8Array): HeaderResult<TensorDirectory> {
  if (head.length < 8) return { kind: 'need-more', bytes: 8 };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const length = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (length > MAX_HEADER_BYTES || length < 2)
    return {
      kind: 'invalid',
      message: `This is not a safetensors file: it declares a header of ${length} bytes (the safetensors library reads at most 100 MB).`,
    };
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
    if (!isDType(dtype))
      return {
        kind: 'invalid',
        message: `Tensor "${name}" has dtype ${String(dtype)}, which is not read (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL are).`,
      };
    if (!isShape(shape) || !Array.isArray(offsets) || offsets.length !== 2)
      return { kind: 'invalid', message: `Tensor "${name}" has a malformed shape or data_offsets.` };
    const [begin, end] = offsets as unknown[];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number)) {
      return { kind: 'invalid', message: `Tensor "${name}": its data_offsets ${JSON.stringify(offsets)} are not two ordered, non-negative whole numbers.` };
    }
    const byteLength = elementCount(shape) * DTYPE_BYTES[dtype];
    if ((end as number) - (begin as number) !== byteLength)
      return { kind: 'invalid', message: `Tensor "${name}": its data_offsets do not match its shape and dtype.` };
    tensors.push({ name, dtype, shape, offset: dataStart + (begin as number), byteLength });
  }
  const overlap = firstOverlap(tensors);
  if (overlap !== undefined)
    return { kind: 'invalid', message: `Tensors "${overlap[0]}" and "${overlap[1]}" share bytes (their data_offsets overlap): each tensor must have its own.` };
  return { kind: 'ok', value: { tensors, metadata } };
}
