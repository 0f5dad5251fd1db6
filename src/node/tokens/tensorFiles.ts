import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseNpyHeader } from '../../core/tokens/npyHeader';
import { parseSafetensorsHeader } from '../../core/tokens/safetensorsHeader';
import type { HeaderResult, TensorInfo } from '../../core/tokens/tensorInfo';
import { localDataOffset, locateCentralDirectory, parseCentralDirectory, type ZipEntry } from '../../core/tokens/zipDirectory';
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

/** Reads a header that says how long it is: more bytes are fetched until the parser has what it needs. */
async function readHeader<T>(path: string, start: number, parse: (bytes: Uint8Array) => HeaderResult<T>): Promise<{ value: T } | { error: string }> {
  let size = 4096;
  for (;;) {
    const bytes = await readRange(path, start, start + size);
    const result = parse(bytes);
    if (result.kind === 'ok') return { value: result.value };
    if (result.kind === 'invalid') return { error: result.message };
    if (result.bytes <= bytes.length) return { error: `${basename(path)} ends inside its header.` };
    size = result.bytes;
  }
}

async function safetensorsFiles(path: string): Promise<EvalFiles | { error: string }> {
  const header = await readHeader(path, 0, parseSafetensorsHeader);
  if ('error' in header) return header;
  return { tensors: header.value.tensors.map((tensor) => ({ ...tensor, path })), metadata: header.value.metadata, paths: [path] };
}

async function npzFiles(path: string): Promise<EvalFiles | { error: string }> {
  const { size } = await stat(path);
  let tailSize = Math.min(size, 65_536 + 22);
  let directory;
  for (;;) {
    const tail = await readRange(path, size - tailSize, size);
    const result = locateCentralDirectory(tail, size);
    if (result.kind === 'ok') {
      directory = result.value;
      break;
    }
    if (result.kind === 'invalid') return { error: result.message };
    if (result.bytes <= tailSize) return { error: 'The npz archive is truncated.' };
    tailSize = result.bytes;
  }
  const entries = parseCentralDirectory(await readRange(path, directory.offset, directory.offset + directory.size), directory.entries);
  if (entries.kind !== 'ok') return { error: entries.kind === 'invalid' ? entries.message : 'The npz archive is truncated.' };
  const tensors: LocatedTensor[] = [];
  for (const entry of entries.value) {
    if (!entry.name.endsWith('.npy') || tensorRole(entry.name) === undefined) continue;
    const tensor = await npzMember(path, entry);
    if ('error' in tensor) return tensor;
    tensors.push(tensor);
  }
  return { tensors, metadata: {}, paths: [path] };
}

async function npzMember(path: string, entry: ZipEntry): Promise<LocatedTensor | { error: string }> {
  const start = localDataOffset(await readRange(path, entry.localHeaderOffset, entry.localHeaderOffset + 30), entry);
  if (start === undefined) return { error: `The npz member ${entry.name} has a broken local header.` };
  const name = entry.name.replace(/\.npy$/, '');
  if (entry.method === 0) {
    const header = await readHeader(path, start, (bytes) => parseNpyHeader(bytes, name, start));
    return 'error' in header ? header : { ...header.value, path };
  }
  if (entry.method !== 8) return { error: `The npz member ${entry.name} uses zip method ${entry.method}; stored and deflated members are read.` };
  const head = await inflateEntryHead(path, start, entry.compressedSize, 65_536);
  const header = parseNpyHeader(head, name);
  if (header.kind !== 'ok') return { error: header.kind === 'invalid' ? header.message : `${name}: its header is longer than 64 KiB.` };
  return { ...header.value, path, deflated: { start, size: entry.compressedSize } };
}

const CANONICAL_NAMES = { labels: 'labels', predictions: 'predictions', logits: 'logits', labelLogProbs: 'label_logprobs', maxLogProbs: 'max_logprobs', sequenceIndex: 'sequence_index' } as const;

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
    const header = await readHeader(path, 0, (bytes) => parseNpyHeader(bytes, name.replace(/\.npy$/i, '')));
    if ('error' in header) return header;
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
