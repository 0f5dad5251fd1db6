import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { MAX_RECORD_TOKENS, type TokenRecords } from '../../core/tokens/tokenRecords';

/**
 * Token records as the cache keeps them, in a binary file beside the entry (a JSON entry with them in base64
 * took 26 MB an evaluation of a million tokens and most of a cached report's time): a fixed header, then each
 * array's raw bytes, little-endian, in the order labels, sequence, position, and NLL and confidence when kept.
 *
 * Header (56 bytes): magic `TALRECS\0`, format version (u32), tokens (u32), flags (u32: bit 0, NLL and
 * confidence kept), zero (u32), then the SHA-256 of everything after the header. The entry names the same
 * tokens, flags and digest, so a file cut short, rewritten or from another write is refused, never misread.
 */
const MAGIC = Buffer.from('TALRECS\0', 'latin1');
export const RECORDS_FORMAT_VERSION = 1;
export const RECORDS_HEADER_BYTES = 56;
const WITH_PROBABILITIES = 1;

/** What the JSON entry says of its records file: enough to check the file before anything is read past its header. */
export interface RecordsRef {
  readonly tokens: number;
  readonly probabilities: boolean;
  readonly sha256: string;
}

/** Typed arrays are stored as this machine lays them out: the format is little-endian, so a big-endian machine keeps no records files. */
export const RECORDS_FILES_SUPPORTED = endianness() === 'LE';

const bytesOf = (array: Int32Array | Float32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** The file's size for `tokens` records: the only size a file of this reference may have. */
export function recordsFileBytes(ref: Pick<RecordsRef, 'tokens' | 'probabilities'>): number {
  return RECORDS_HEADER_BYTES + ref.tokens * 4 * (ref.probabilities ? 5 : 3);
}

/** The file's parts (header first, then each array's bytes, no copy) and the reference the entry keeps. */
export function encodeRecordsFile(records: TokenRecords): { readonly parts: readonly Uint8Array[]; readonly ref: RecordsRef } {
  const probabilities = records.nll !== undefined && records.confidence !== undefined;
  const arrays = [records.labels, records.sequence, records.position, ...(probabilities ? [records.nll, records.confidence] : [])] as (
    Int32Array | Float32Array
  )[];
  const body = arrays.map(bytesOf);
  const hash = createHash('sha256');
  for (const part of body) hash.update(part);
  const digest = hash.digest();
  const header = Buffer.alloc(RECORDS_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(RECORDS_FORMAT_VERSION, 8);
  header.writeUInt32LE(records.labels.length, 12);
  header.writeUInt32LE(probabilities ? WITH_PROBABILITIES : 0, 16);
  digest.copy(header, 24);
  return { parts: [header, ...body], ref: { tokens: records.labels.length, probabilities, sha256: digest.toString('hex') } };
}

/** Whether a reference read from an entry is one this cache could have written: its size is bounded before any read. */
export function validRef(ref: unknown): ref is RecordsRef {
  if (typeof ref !== 'object' || ref === null) return false;
  const { tokens, probabilities, sha256 } = ref as Record<string, unknown>;
  return (
    typeof tokens === 'number' &&
    Number.isInteger(tokens) &&
    tokens >= 0 &&
    tokens <= MAX_RECORD_TOKENS &&
    typeof probabilities === 'boolean' &&
    typeof sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(sha256)
  );
}

/**
 * The records of a whole file's bytes, checked against the entry's reference: size, magic, version, counts,
 * flags and the body's digest must all agree; undefined otherwise. The arrays are views on `bytes`.
 */
export function decodeRecordsFile(bytes: Uint8Array, ref: RecordsRef): TokenRecords | undefined {
  if (!validRef(ref) || bytes.length !== recordsFileBytes(ref) || bytes.byteOffset % 4 !== 0) return undefined;
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, RECORDS_HEADER_BYTES);
  if (!header.subarray(0, 8).equals(MAGIC) || header.readUInt32LE(8) !== RECORDS_FORMAT_VERSION) return undefined;
  if (header.readUInt32LE(12) !== ref.tokens || header.readUInt32LE(16) !== (ref.probabilities ? WITH_PROBABILITIES : 0) || header.readUInt32LE(20) !== 0)
    return undefined;
  const digest = header.subarray(24, 56).toString('hex');
  const body = bytes.subarray(RECORDS_HEADER_BYTES);
  if (digest !== ref.sha256 || createHash('sha256').update(body).digest('hex') !== digest) return undefined;
  const n = ref.tokens;
  const at = (index: number): number => bytes.byteOffset + RECORDS_HEADER_BYTES + index * 4 * n;
  const labels = new Int32Array(bytes.buffer, at(0), n);
  const sequence = new Int32Array(bytes.buffer, at(1), n);
  const position = new Int32Array(bytes.buffer, at(2), n);
  if (!ref.probabilities) return { labels, sequence, position };
  return { labels, sequence, position, nll: new Float32Array(bytes.buffer, at(3), n), confidence: new Float32Array(bytes.buffer, at(4), n) };
}
