import type { HeaderResult } from './tensorInfo';

/** One member of a zip archive (an array of an `.npz`), as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const utf8 = new TextDecoder('utf-8');

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}

/** The end record is 22 bytes after a comment of at most 65,535: it lies in the file's last this many bytes, or nowhere. */
export const END_RECORD_SEARCH_BYTES = 65_535 + 22;
/** NumPy's archives list a few members; even 65,535 members with long names take a few MB. */
export const MAX_CENTRAL_DIRECTORY_BYTES = 16 * 1024 * 1024;

/**
 * Where the central directory is, from the file's last bytes (`tail`, the last `END_RECORD_SEARCH_BYTES` or
 * the whole file, ends at `fileSize`). Every size and offset it declares is checked against the file.
 */
export function locateCentralDirectory(tail: Uint8Array, fileSize: number): HeaderResult<{ offset: number; size: number; entries: number }> {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = tail.length - 22; at >= 0; at--) {
    if (view.getUint32(at, true) !== EOCD) continue;
    let entries = view.getUint16(at + 10, true);
    let size = view.getUint32(at + 12, true);
    let offset = view.getUint32(at + 16, true);
    // NumPy writes zip64 records for large arrays: the 32-bit fields then say 0xffffffff. The zip64 end
    // record sits just before its locator, inside the tail.
    if (at >= 20 && view.getUint32(at - 20, true) === ZIP64_LOCATOR) {
      const recordAt = u64(view, at - 20 + 8) - (fileSize - tail.length);
      if (recordAt < 0 || recordAt + 56 > tail.length || view.getUint32(recordAt, true) !== ZIP64_EOCD)
        return { kind: 'invalid', message: 'The npz archive has a broken zip64 record.' };
      entries = u64(view, recordAt + 32);
      size = u64(view, recordAt + 40);
      offset = u64(view, recordAt + 48);
    }
    if (offset + size > fileSize || size > MAX_CENTRAL_DIRECTORY_BYTES || entries * 46 > size) {
      return {
        kind: 'invalid',
        message: `The npz archive's central directory (${entries} members, ${size} bytes at ${offset}) does not fit in the file (${fileSize} bytes).`,
      };
    }
    return { kind: 'ok', value: { offset, size, entries } };
  }
  return {
    kind: 'invalid',
    message: 'This is not a complete zip (npz) archive: no end of central directory in its last 64 KiB (it may still be being written).',
  };
}

/** Lists the members of a zip archive from its central directory bytes. */
export function parseCentralDirectory(bytes: Uint8Array, count: number): HeaderResult<ZipEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) return { kind: 'invalid', message: 'The npz archive has a broken central directory.' };
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength > bytes.length) return { kind: 'invalid', message: 'The npz archive has a broken central directory.' };
    const name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // The zip64 extra field holds, in this order, only the sizes and offset whose 32-bit fields overflowed.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const size = view.getUint16(extra + 2, true);
      if (id === 1 && extra + 4 + size <= extraEnd) {
        let field = extra + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = u64(view, field);
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(view, field);
          field += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(view, field);
      }
      extra += 4 + size;
    }
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    at = extraEnd + commentLength;
  }
  return { kind: 'ok', value: entries };
}

/** Where an entry's data starts, from its 30-byte local header (whose name and extra lengths may differ from the central ones). */
export function localDataOffset(localHeader: Uint8Array, entry: ZipEntry): number | undefined {
  const view = new DataView(localHeader.buffer, localHeader.byteOffset, localHeader.byteLength);
  if (localHeader.length < 30 || view.getUint32(0, true) !== LOCAL) return undefined;
  return entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
}
