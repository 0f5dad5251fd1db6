import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isLfsPointer, LFS_POINTER_MESSAGE } from '../../core/formats/lfsPointer';
import { MAX_NPY_HEADER_BYTES, parseNpyHeader } from '../../core/tokens/npyHeader';
import { parseSafetensorsHeader } from '../../core/tokens/safetensorsHeader';
import { elementCount, extentProblem, type HeaderResult, type TensorInfo } from '../../core/tokens/tensorInfo';
import { END_RECORD_SEARCH_BYTES, localDataOffset, locateCentralDirectory, parseCentralDirectory, type ZipEntry } from '../../core/tokens/zipDirectory';
import { tensorRole } from '../../core/tokens/evalPlan';
import { readRange } from '../fileRange';
import { inflateEntryHead } from './inflateStream';

/** A tensor and the file it is in; a deflated npz member also carries where its compressed bytes are. */
export interface LocatedTensor extends TensorInfo {
  readonly path: string;
  readonly deflated?: { readonly start: number; readonly size: number };
}

export interface EvalFiles {
  readonly tensors: readonly LocatedTensor[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Every file the evaluation reads: its cache identity covers them all. */
  readonly paths: readonly string[];
}

/**
 * Reads a header that says how long it is: more bytes are fetched until the parser has what it needs, each
 * request checked against the bytes there are (`end`: the file's size, or the end of an npz member).
 */
async function readHeader<T>(
  path: string,
  start: number,
  end: number,
  parse: (bytes: Uint8Array) => HeaderResult<T>,
): Promise<{ value: T } | { error: string }> {
  let size = Math.min(4096, end - start);
  for (;;) {
    const bytes = await readRange(path, start, start + size);
    if (start === 0 && isLfsPointer(bytes, end)) return { error: LFS_POINTER_MESSAGE };
    const result = parse(bytes);
    if (result.kind === 'ok') return { value: result.value };
    if (result.kind === 'invalid') return { error: result.message };
    if (result.bytes > end - start || bytes.length < size)
      return { error: `${basename(path)} ends inside its header: the header needs ${result.bytes} bytes, the file holds ${end - start}.` };
    size = result.bytes;
  }
}

/** Tensors read whole (labels, predictions, per-token log-probs) are widened in memory; more tokens than this are refused, not allocated. */
export const MAX_WHOLE_TENSOR_ELEMENTS = 2 ** 27;

/** Why the tensors cannot be read as declared, against the bytes they lie in and the memory a whole read takes. */
function tensorsProblem(tensors: readonly TensorInfo[], available: number, subject: string): string | undefined {
  const outside = extentProblem(tensors, available, subject);
  if (outside !== undefined) return outside;
  const tooLarge = tensors.find((tensor) => tensorRole(tensor.name) !== 'logits' && elementCount(tensor.shape) > MAX_WHOLE_TENSOR_ELEMENTS);
  return tooLarge === undefined
    ? undefined
    : `${subject}: ${tooLarge.name} declares ${elementCount(tooLarge.shape)} elements, more than the ${MAX_WHOLE_TENSOR_ELEMENTS} read whole (it is too large to score in memory).`;
}

async function safetensorsFiles(path: string): Promise<EvalFiles | { error: string }> {
  const { size } = await stat(path);
  const header = await readHeader(path, 0, size, parseSafetensorsHeader);
  if ('error' in header) return header;
  const problem = tensorsProblem(header.value.tensors, size, basename(path));
  if (problem !== undefined) return { error: problem };
  return { tensors: header.value.tensors.map((tensor) => ({ ...tensor, path })), metadata: header.value.metadata, paths: [path] };
}

async function npzFiles(path: string): Promise<EvalFiles | { error: string }> {
  const { size } = await stat(path);
  const tailSize = Math.min(size, END_RECORD_SEARCH_BYTES);
  const tail = await readRange(path, size - tailSize, size);
  if (isLfsPointer(tail, size)) return { error: LFS_POINTER_MESSAGE };
  const located = locateCentralDirectory(tail, size);
  if (located.kind !== 'ok') return { error: located.kind === 'invalid' ? located.message : 'The npz archive is truncated.' };
  const directory = located.value;
  const entries = parseCentralDirectory(await readRange(path, directory.offset, directory.offset + directory.size), directory.entries);
  if (entries.kind !== 'ok') return { error: entries.kind === 'invalid' ? entries.message : 'The npz archive is truncated.' };
  const tensors: LocatedTensor[] = [];
  for (const entry of entries.value) {
    if (!entry.name.endsWith('.npy') || tensorRole(entry.name) === undefined) continue;
    const tensor = await npzMember(path, size, entry);
    if ('error' in tensor) return tensor;
    tensors.push(tensor);
  }
  return { tensors, metadata: {}, paths: [path] };
}

/** Deflate never expands data more than about 1032 times: a member declaring more than that is no honest archive. */
const MAX_DEFLATE_RATIO = 1032;

/** NumPy writes a member as its .npy header and data, nothing more: a member that holds more or less is no array it wrote. */
function memberSizeProblem(entry: ZipEntry, npyBytes: number): string | undefined {
  return entry.uncompressedSize === npyBytes
    ? undefined
    : `The npz member ${entry.name} holds ${entry.uncompressedSize} bytes, but its .npy header accounts for ${npyBytes}: it is not an array NumPy wrote.`;
}

async function npzMember(path: string, fileSize: number, entry: ZipEntry): Promise<LocatedTensor | { error: string }> {
  const start =
    entry.localHeaderOffset + 30 <= fileSize ? localDataOffset(await readRange(path, entry.localHeaderOffset, entry.localHeaderOffset + 30), entry) : undefined;
  if (start === undefined) return { error: `The npz member ${entry.name} has a broken local header.` };
  if (start + entry.compressedSize > fileSize)
    return { error: `The npz member ${entry.name} declares ${entry.compressedSize} bytes past the end of the archive (it may still be being written).` };
  const name = entry.name.replace(/\.npy$/, '');
  const subject = `The npz member ${entry.name}`;
  if (entry.method === 0) {
    const header = await readHeader(path, start, start + entry.compressedSize, (bytes) => parseNpyHeader(bytes, name, start));
    if ('error' in header) return header;
    const problem =
      memberSizeProblem(entry, header.value.offset - start + header.value.byteLength) ?? tensorsProblem([header.value], start + entry.compressedSize, subject);
    return problem === undefined ? { ...header.value, path } : { error: problem };
  }
  if (entry.method !== 8) return { error: `The npz member ${entry.name} uses zip method ${entry.method}; stored and deflated members are read.` };
  const head = await inflateEntryHead(path, start, entry.compressedSize, MAX_NPY_HEADER_BYTES + 12);
  const header = parseNpyHeader(head, name);
  if (header.kind !== 'ok') return { error: header.kind === 'invalid' ? header.message : `${subject} ends inside its header.` };
  // What the member inflates to is bounded three ways: the zip's own record of it, deflate's ratio, and (when read) the header's declared size.
  const inflated = Math.min(entry.uncompressedSize, entry.compressedSize * MAX_DEFLATE_RATIO);
  const problem = memberSizeProblem(entry, header.value.offset + header.value.byteLength) ?? tensorsProblem([header.value], inflated, subject);
  return problem === undefined ? { ...header.value, path, deflated: { start, size: entry.compressedSize } } : { error: problem };
}

const CANONICAL_NAMES = {
  labels: 'labels',
  predictions: 'predictions',
  logits: 'logits',
  labelLogProbs: 'label_logprobs',
  maxLogProbs: 'max_logprobs',
  sequenceIndex: 'sequence_index',
} as const;

/** A folder of .npy arrays: the labels file and its siblings with the same prefix (or the only ones of their role). */
async function npyFiles(labelsPath: string): Promise<EvalFiles | { error: string }> {
  const folder = dirname(labelsPath);
  const prefix = basename(labelsPath).replace(/labels\.npy$/i, '');
  const names = (await readdir(folder)).filter((name) => name.toLowerCase().endsWith('.npy'));
  const byRole = new Map<string, string[]>();
  for (const name of names) {
    const role = tensorRole(name);
    if (role !== undefined) byRole.set(role, [...(byRole.get(role) ?? []), name]);
  }
  const chosen = [basename(labelsPath)];
  for (const [role, candidates] of byRole) {
    if (role === 'labels') continue;
    const match = candidates.find((name) => prefix !== '' && name.startsWith(prefix)) ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (match !== undefined) chosen.push(match);
  }
  const tensors: LocatedTensor[] = [];
  for (const name of chosen) {
    const path = join(folder, name);
    const { size } = await stat(path);
    const header = await readHeader(path, 0, size, (bytes) => parseNpyHeader(bytes, name.replace(/\.npy$/i, '')));
    if ('error' in header) return header;
    const problem = tensorsProblem([header.value], size, name);
    if (problem !== undefined) return { error: problem };
    const role = tensorRole(name);
    tensors.push({ ...header.value, name: role === undefined ? header.value.name : CANONICAL_NAMES[role], path });
  }
  return { tensors, metadata: {}, paths: chosen.map((name) => join(folder, name)) };
}

/** The tensors of one evaluation file (or .npy folder), without reading their data. */
export async function locateEvalTensors(path: string): Promise<EvalFiles | { error: string }> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.safetensors')) return safetensorsFiles(path);
  if (lower.endsWith('.npz')) return npzFiles(path);
  return npyFiles(path);
}
