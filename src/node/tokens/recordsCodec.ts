import type { TokenRecords } from '../../core/tokens/tokenRecords';

/** Token records as the cache stores them: each array's bytes in base64 (this machine's byte order: the cache is local). */
export interface StoredRecords {
  readonly tokens: number;
  readonly labels: string;
  readonly sequence: string;
  readonly position: string;
  readonly nll?: string;
  readonly confidence?: string;
}

const base64 = (array: Int32Array | Float32Array): string => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

export function encodeRecords(records: TokenRecords): StoredRecords {
  const { nll, confidence } = records;
  return {
    tokens: records.labels.length,
    labels: base64(records.labels),
    sequence: base64(records.sequence),
    position: base64(records.position),
    ...(nll === undefined || confidence === undefined ? {} : { nll: base64(nll), confidence: base64(confidence) }),
  };
}

/** The array of `tokens` 4-byte elements `text` holds; undefined when its length says otherwise (an entry not written by this cache). */
function decoded<T extends Int32Array | Float32Array>(text: unknown, tokens: number, make: (size: number) => T): T | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== tokens * 4) return undefined;
  const array = make(tokens);
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

/** The records of a cache entry; undefined when any array is missing or of the wrong length. */
export function decodeRecords(stored: StoredRecords, tokens: number): TokenRecords | undefined {
  if (stored.tokens !== tokens) return undefined;
  const ints = (size: number): Int32Array => new Int32Array(size);
  const floats = (size: number): Float32Array => new Float32Array(size);
  const labels = decoded(stored.labels, tokens, ints);
  const sequence = decoded(stored.sequence, tokens, ints);
  const position = decoded(stored.position, tokens, ints);
  if (labels === undefined || sequence === undefined || position === undefined) return undefined;
  if (stored.nll === undefined) return { labels, sequence, position };
  const nll = decoded(stored.nll, tokens, floats);
  const confidence = decoded(stored.confidence, tokens, floats);
  return nll === undefined || confidence === undefined ? undefined : { labels, sequence, position, nll, confidence };
}
