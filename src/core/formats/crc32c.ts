import { tableCrc } from './tableCrc';

/** CRC-32C (Castagnoli), as TFRecord framing checks it. */
export const crc32c = tableCrc(0x82f63b78);

/** TFRecord stores CRCs masked (rotated and offset) so that a CRC of data that embeds CRCs stays meaningful. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
