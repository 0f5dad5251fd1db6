import { crc32 } from './crc32';
import { concatBytes } from './concatBytes';

/**
 * LevelDB's log framing as W&B writes it in `.wandb` files: 32 KiB blocks of chunks, each
 * `uint32 crc | uint16 length | uint8 type | data`, the crc being CRC-32 (zlib) of the type byte and the data.
 * A record too long for the rest of a block is split FIRST, MIDDLE…, LAST; fewer than 7 bytes left in a block
 * are zero padding. Read incrementally: a chunk whose bytes have not all arrived waits in `pending`, and the
 * chunks of a split record wait in `fragments`, so a live file can be read at any byte.
 */
export interface FramingCursor {
  /** File offset of `pending[0]`: block boundaries are counted from the start of the file. */
  readonly offset: number;
  readonly pending: Uint8Array;
  /** Bytes still to be stepped over (the rest of a damaged block) before reading resumes. */
  readonly skip: number;
  readonly fragments: readonly Uint8Array[] | undefined;
  /** The previous chunk failed its check: if this one fails too, its length is not to be trusted either. */
  readonly suspect: boolean;
}

export interface FramingResult {
  readonly records: Uint8Array[];
  readonly cursor: FramingCursor;
  readonly problems: string[];
}

const BLOCK = 32 * 1024;
const CHUNK_HEADER = 7;
const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;

export function framingCursorAt(offset: number): FramingCursor {
  return { offset, pending: new Uint8Array(0), skip: 0, fragments: undefined, suspect: false };
}

export function readFrames(cursor: FramingCursor, chunk: Uint8Array): FramingResult {
  const records: Uint8Array[] = [];
  const problems: string[] = [];
  let skip = cursor.skip;
  let offset = cursor.offset;
  let input = chunk;
  if (skip > 0) {
    const skipped = Math.min(skip, input.length);
    skip -= skipped;
    offset += skipped;
    input = input.subarray(skipped);
  }
  const bytes = concatBytes(cursor.pending, input);
  let { fragments, suspect } = cursor;
  let pos = 0;
  /** Steps to the next block: the rest of this one cannot be trusted, or is padding. */
  const skipBlock = (left: number): void => {
    const available = Math.min(left, bytes.length - pos);
    pos += available;
    skip = left - available;
  };
  while (skip === 0) {
    const left = BLOCK - ((offset + pos) % BLOCK);
    if (left < CHUNK_HEADER) {
      skipBlock(left);
      continue;
    }
    if (bytes.length - pos < CHUNK_HEADER) break;
    const length = (bytes[pos + 4] as number) | ((bytes[pos + 5] as number) << 8);
    const type = bytes[pos + 6] as number;
    if (CHUNK_HEADER + length > left || type < FULL || type > LAST) {
      // All zeros is the padding of a block the writer did not fill; anything else is damage.
      if (length !== 0 || type !== 0 || bytes[pos] !== 0)
        problems.push(`The chunk at byte ${offset + pos} has an impossible header; the rest of its block was skipped.`);
      fragments = undefined;
      skipBlock(left);
      continue;
    }
    if (bytes.length - pos < CHUNK_HEADER + length) break;
    const expected =
      ((bytes[pos] as number) | ((bytes[pos + 1] as number) << 8) | ((bytes[pos + 2] as number) << 16) | ((bytes[pos + 3] as number) << 24)) >>> 0;
    const start = pos + CHUNK_HEADER;
    const end = start + length;
    if (crc32(bytes, pos + 6, end) !== expected) {
      fragments = undefined;
      if (suspect) {
        skipBlock(left);
        suspect = false;
      } else {
        problems.push(`The record at byte ${offset + pos} fails its checksum; it was skipped.`);
        pos = end;
        suspect = true;
      }
      continue;
    }
    suspect = false;
    const data = bytes.subarray(start, end);
    pos = end;
    if (type === FULL || type === FIRST) {
      if (fragments !== undefined) problems.push(`A record split across blocks ends unfinished before byte ${offset + start - CHUNK_HEADER}; it was skipped.`);
      if (type === FULL) {
        records.push(data);
        fragments = undefined;
      } else fragments = [data.slice()];
    } else if (fragments !== undefined) {
      if (type === MIDDLE) fragments = [...fragments, data.slice()];
      else {
        records.push(concatBytes(...fragments, data));
        fragments = undefined;
      }
    }
  }
  return { records, problems, cursor: { offset: offset + pos, pending: bytes.slice(pos), skip, fragments, suspect } };
}
