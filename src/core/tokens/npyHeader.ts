import { DTYPE_BYTES, elementCount, type DType, type HeaderResult, type TensorInfo } from './tensorInfo';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
/**
 * NumPy writes headers of a few hundred bytes and by default refuses to read one over 10,000 (`max_header_size`).
 * A declared length above this is refused before anything is read or allocated for it.
 */
export const MAX_NPY_HEADER_BYTES = 65_536;

/** NumPy dtype strings (without byte order) mapped to the element types read. */
const DESCR: Readonly<Record<string, DType>> = { f8: 'F64', f4: 'F32', f2: 'F16', i8: 'I64', i4: 'I32', i2: 'I16', i1: 'I8', u1: 'U8', b1: 'BOOL' };

function field(header: string, name: string): string | undefined {
  const match = new RegExp(`['"]${name}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\)|\\[)`).exec(header);
  return match?.[1];
}

/**
 * Reads an `.npy` header (versions 1 to 3): magic, version, header length (2 bytes in v1, 4 after), then a
 * Python dict literal giving `descr`, `fortran_order` and `shape`. Object arrays are pickles: refused, never run.
 * `base` is where the array starts in its file (non-zero for an entry stored inside an npz).
 */
export function parseNpyHeader(head: Uint8Array, name: string, base = 0): HeaderResult<TensorInfo> {
  if (head.length < 10) return { kind: 'need-more', bytes: 12 };
  if (!MAGIC.every((byte, i) => head[i] === byte)) return { kind: 'invalid', message: `${name} is not a NumPy .npy file.` };
  const major = head[6] as number;
  if (major < 1 || major > 3) return { kind: 'invalid', message: `${name} is .npy format version ${major}; versions 1 to 3 are read.` };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (head.length < prefix) return { kind: 'need-more', bytes: prefix };
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (length > MAX_NPY_HEADER_BYTES)
    return { kind: 'invalid', message: `${name} declares a header of ${length} bytes; NumPy writes a few hundred (and reads at most 10,000 by default).` };
  if (head.length < prefix + length) return { kind: 'need-more', bytes: prefix + length };
  const header = (major === 3 ? utf8 : latin1).decode(head.subarray(prefix, prefix + length));
  const descr = field(header, 'descr');
  if (descr === undefined || descr === '[') return { kind: 'invalid', message: `${name} holds a structured array; save plain numeric arrays.` };
  const code = descr.slice(1, -1);
  if (code.includes('O'))
    return {
      kind: 'invalid',
      message: `${name} is an array of Python objects (a pickle), which is never loaded; save it with a numeric dtype (np.asarray(x, dtype=np.int64)).`,
    };
  const order = code[0];
  const dtype = DESCR[code.slice(1)];
  if (dtype === undefined || (order === '>' && DTYPE_BYTES[dtype] > 1))
    return { kind: 'invalid', message: `${name} has dtype ${code}, which is not read (little-endian float16/32/64, int8/16/32/64, uint8 and bool are).` };
  const shapeText = field(header, 'shape');
  if (shapeText === undefined || !shapeText.startsWith('(')) return { kind: 'invalid', message: `${name} has no shape in its header.` };
  const shape = shapeText
    .slice(1, -1)
    .split(',')
    .map((part) => part.trim().replace(/L$/, ''))
    .filter((part) => part !== '')
    .map(Number);
  if (!shape.every((size) => Number.isInteger(size) && size >= 0)) return { kind: 'invalid', message: `${name} has a malformed shape ${shapeText}.` };
  if (field(header, 'fortran_order') === 'True' && shape.filter((size) => size > 1).length > 1) {
    return { kind: 'invalid', message: `${name} is stored in Fortran (column-major) order; save it with np.ascontiguousarray.` };
  }
  const byteLength = elementCount(shape) * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(byteLength)) return { kind: 'invalid', message: `${name} has a shape ${shapeText} too large to be real.` };
  return { kind: 'ok', value: { name, dtype, shape, offset: base + prefix + length, byteLength } };
}
