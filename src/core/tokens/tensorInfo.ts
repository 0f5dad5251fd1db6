/** Element types the evaluation readers understand, named as safetensors names them. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** One tensor inside a container: where its bytes are, relative to the start of the file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Byte offset of the first element in the file (for a deflated npz entry: in the inflated entry). */
  readonly offset: number;
  readonly byteLength: number;
}

/** A container's tensors and the string metadata it carries (safetensors `__metadata__`). */
export interface TensorDirectory {
  readonly tensors: readonly TensorInfo[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** The answer of a header parser: the directory, a request for more leading bytes, or a reason to refuse. */
export type HeaderResult<T> =
  { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'need-more'; readonly bytes: number } | { readonly kind: 'invalid'; readonly message: string };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * Why the tensors cannot be where their header says, given the bytes there are (`available`: the file's
 * size, or the end of the zip member that holds them); undefined when each lies inside.
 */
export function extentProblem(tensors: readonly TensorInfo[], available: number, subject: string): string | undefined {
  for (const tensor of tensors) {
    if (tensor.offset + tensor.byteLength <= available) continue;
    return `${subject}: ${tensor.name} declares ${tensor.byteLength} bytes of data (shape [${tensor.shape.join(', ')}], ${tensor.dtype}) but the file holds ${Math.max(0, available - tensor.offset)} after its header.`;
  }
  return undefined;
}
