import { buildTables, tableCrc } from './tableCrc';

/** CRC-32C (Castagnoli), as TFRecord framing checks it. */
export const crc32c = tableCrc(0x82f63b78);

/** TFRecord stores CRCs masked (rotated and offset) so that a CRC of data that embeds CRCs stays meaningful. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** CRC-32C's slicing-by-8 tables as signed words: a table read then stays a small integer in the loop, never a double. */
const SIGNED_TABLES = new Int32Array(buildTables(0x82f63b78).buffer);

/**
 * `maskedCrc32c` through a DataView the caller already holds on `bytes`: each 8-byte step reads two words
 * instead of eight bytes. The framing checks two ranges per record, a million records in a large event file:
 * 1.37x faster than `maskedCrc32c` over the records of a 53 MB file (median of 7 alternated runs).
 */
export function maskedCrc32cIn(view: DataView, bytes: Uint8Array, start: number, end: number): number {
  const T = SIGNED_TABLES;
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const low = crc ^ view.getInt32(i, true);
    const high = view.getInt32(i + 4, true);
    crc =
      (T[0x700 | (low & 0xff)] as number) ^
      (T[0x600 | ((low >>> 8) & 0xff)] as number) ^
      (T[0x500 | ((low >>> 16) & 0xff)] as number) ^
      (T[0x400 | (low >>> 24)] as number) ^
      (T[0x300 | (high & 0xff)] as number) ^
      (T[0x200 | ((high >>> 8) & 0xff)] as number) ^
      (T[0x100 | ((high >>> 16) & 0xff)] as number) ^
      (T[high >>> 24] as number);
  }
  for (; i < end; i++) crc = (T[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  const c = ~crc >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
