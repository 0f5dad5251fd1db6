/**
 * A reflected 32-bit CRC by table, slicing by 8: eight tables let the loop fold eight bytes per step, so
 * checking a record costs a small share of reading it. CRC-32 and CRC-32C differ only in the polynomial.
 */
export type Crc = (bytes: Uint8Array, start?: number, end?: number, previous?: number) => number;

/** The eight tables laid end to end (table k at 256·k): one array keeps the loop as fast as separate ones did. */
export function buildTables(polynomial: number): Uint32Array {
  const table = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 256; n < table.length; n++) {
    const c = table[n - 256] as number;
    table[n] = ((c >>> 8) ^ (table[c & 0xff] as number)) >>> 0;
  }
  return table;
}

/** The CRC of `bytes[start, end)` for a reflected polynomial, continuing from `previous` as zlib's `crc32(data, previous)` does. */
export function tableCrc(polynomial: number): Crc {
  const T = buildTables(polynomial);
  return (bytes, start = 0, end = bytes.length, previous = 0) => {
    let crc = ~previous >>> 0;
    let i = start;
    for (; i + 8 <= end; i += 8) {
      const low = crc ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
      crc =
        (T[0x700 | (low & 0xff)] as number) ^
        (T[0x600 | ((low >>> 8) & 0xff)] as number) ^
        (T[0x500 | ((low >>> 16) & 0xff)] as number) ^
        (T[0x400 | (low >>> 24)] as number) ^
        (T[0x300 | (bytes[i + 4] as number)] as number) ^
        (T[0x200 | (bytes[i + 5] as number)] as number) ^
        (T[0x100 | (bytes[i + 6] as number)] as number) ^
        (T[bytes[i + 7] as number] as number);
    }
    for (; i < end; i++) crc = (T[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    return ~crc >>> 0;
  };
}
