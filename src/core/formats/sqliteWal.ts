/**
 * A SQLite database in WAL mode keeps its newest transactions in `<db>-wal` until a checkpoint copies them
 * into the database file, which can be never while the writer keeps its connection. sql.js opens a database
 * from bytes alone, with no WAL, so the committed frames of the WAL are laid over the database's pages here
 * (the layout of https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames of a
 * 24-byte header and one page, each checked by a checksum that runs on from the one before. Frames after
 * the last commit, or from before the WAL was restarted (other salts), are not part of the database.
 */

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LITTLE_ENDIAN = 0x377f0682;
const MAGIC_BIG_ENDIAN = 0x377f0683;

/** What laying a WAL over a database gave: the image to open, and how many committed frames it held. */
export interface WalImage {
  readonly bytes: Uint8Array;
  readonly frames: number;
}

function checksum(view: DataView, start: number, end: number, littleEndian: boolean, seed: readonly [number, number]): [number, number] {
  let [s0, s1] = seed;
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * The database as a reader that honours the WAL would see it. A WAL that is empty, cut short in its header or
 * not a WAL leaves the database as it is. The image is marked as a rollback-journal database (header bytes
 * 18 and 19), so that an engine with no WAL support opens it.
 */
export function applyWal(database: Uint8Array, wal: Uint8Array): WalImage {
  if (wal.length < WAL_HEADER) return { bytes: database, frames: 0 };
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LITTLE_ENDIAN && magic !== MAGIC_BIG_ENDIAN) return { bytes: database, frames: 0 };
  const littleEndian = magic === MAGIC_LITTLE_ENDIAN;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return { bytes: database, frames: 0 };
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  let sum = checksum(view, 0, 24, littleEndian, [0, 0]);
  if (sum[0] !== view.getUint32(24) || sum[1] !== view.getUint32(28)) return { bytes: database, frames: 0 };
  const pending: Array<[number, number]> = [];
  const committed: Array<[number, number]> = [];
  let pages = 0;
  for (let offset = WAL_HEADER; offset + FRAME_HEADER + pageSize <= wal.length; offset += FRAME_HEADER + pageSize) {
    if (view.getUint32(offset + 8) !== salt1 || view.getUint32(offset + 12) !== salt2) break;
    sum = checksum(view, offset, offset + 8, littleEndian, sum);
    sum = checksum(view, offset + FRAME_HEADER, offset + FRAME_HEADER + pageSize, littleEndian, sum);
    if (sum[0] !== view.getUint32(offset + 16) || sum[1] !== view.getUint32(offset + 20)) break;
    pending.push([view.getUint32(offset), offset + FRAME_HEADER]);
    const sizeAfterCommit = view.getUint32(offset + 4);
    if (sizeAfterCommit !== 0) {
      committed.push(...pending.splice(0));
      pages = sizeAfterCommit;
    }
  }
  if (committed.length === 0) return { bytes: markRollbackJournal(database), frames: 0 };
  const image = new Uint8Array(pages * pageSize);
  image.set(database.subarray(0, image.length));
  for (const [page, start] of committed) if (page >= 1 && page <= pages) image.set(wal.subarray(start, start + pageSize), (page - 1) * pageSize);
  return { bytes: markRollbackJournal(image), frames: committed.length };
}

/** Header bytes 18 and 19 say 2 in WAL mode; 1 opens the same pages with no WAL. */
function markRollbackJournal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 20 || (bytes[18] !== 2 && bytes[19] !== 2)) return bytes;
  const copy = bytes.slice();
  copy[18] = 1;
  copy[19] = 1;
  return copy;
}
