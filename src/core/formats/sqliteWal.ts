/**
 * A SQLite database in WAL mode keeps its newest transactions in `<db>-wal` until a checkpoint copies them
 * into the database file, which can be never while the writer keeps its connection. A reader of the pages
 * takes each page from the WAL's last committed frame of it when there is one, else from the database
 * (the layout of https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames of a
 * 24-byte header and one page, each checked by a checksum that runs on from the one before. Frames after
 * the last commit, or from before the WAL was restarted (other salts), are not part of the database.
 *
 * The index is built as the WAL grows: each read checks only the frames appended since the last one.
 */

export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;
const MAGIC_LITTLE_ENDIAN = 0x377f0682;
const MAGIC_BIG_ENDIAN = 0x377f0683;

function checksum(view: DataView, start: number, end: number, littleEndian: boolean, seed: readonly [number, number]): [number, number] {
  let [s0, s1] = seed;
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/** Which pages the WAL's committed frames hold, and where; grown by `addFrames` as the WAL grows. */
export class WalIndex {
  /** Page number → offset in the WAL of the page's bytes in its last committed frame. */
  readonly committed = new Map<number, number>();
  /** The database's size in pages after the last commit (0 before one). */
  pages = 0;
  /** Where the next frame starts: everything before it is checked. */
  scanned = WAL_HEADER_BYTES;
  private pending: [number, number][] = [];
  private sum: [number, number];

  private constructor(
    readonly header: Uint8Array,
    readonly pageSize: number,
    private readonly littleEndian: boolean,
    private readonly salts: readonly [number, number],
    sum: [number, number],
  ) {
    this.sum = sum;
  }

  /** The index of a WAL whose header is `header`; undefined for a WAL that is empty, cut short or not a WAL. */
  static open(header: Uint8Array): WalIndex | undefined {
    if (header.length < WAL_HEADER_BYTES) return undefined;
    const view = new DataView(header.buffer, header.byteOffset, WAL_HEADER_BYTES);
    const magic = view.getUint32(0);
    if (magic !== MAGIC_LITTLE_ENDIAN && magic !== MAGIC_BIG_ENDIAN) return undefined;
    const littleEndian = magic === MAGIC_LITTLE_ENDIAN;
    const pageSize = view.getUint32(8);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
    const sum = checksum(view, 0, 24, littleEndian, [0, 0]);
    if (sum[0] !== view.getUint32(24) || sum[1] !== view.getUint32(28)) return undefined;
    return new WalIndex(header.slice(0, WAL_HEADER_BYTES), pageSize, littleEndian, [view.getUint32(16), view.getUint32(20)], sum);
  }

  get frameBytes(): number {
    return WAL_FRAME_HEADER_BYTES + this.pageSize;
  }

  /** True when `header` is still this WAL's (a restarted WAL has new salts and starts over). */
  sameHeader(header: Uint8Array): boolean {
    if (header.length < WAL_HEADER_BYTES) return false;
    for (let i = 0; i < WAL_HEADER_BYTES; i++) if (header[i] !== this.header[i]) return false;
    return true;
  }

  /**
   * Checks the frames in `bytes`, which start at `scanned`: whole frames only, up to the first that does
   * not belong (other salts, a checksum that fails: a frame still being written is checked again next time).
   */
  addFrames(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frame = this.frameBytes;
    for (let at = 0; at + frame <= bytes.length; at += frame) {
      if (view.getUint32(at + 8) !== this.salts[0] || view.getUint32(at + 12) !== this.salts[1]) return;
      let sum = checksum(view, at, at + 8, this.littleEndian, this.sum);
      sum = checksum(view, at + WAL_FRAME_HEADER_BYTES, at + frame, this.littleEndian, sum);
      if (sum[0] !== view.getUint32(at + 16) || sum[1] !== view.getUint32(at + 20)) return;
      this.sum = sum;
      this.pending.push([view.getUint32(at), this.scanned + WAL_FRAME_HEADER_BYTES]);
      this.scanned += frame;
      const sizeAfterCommit = view.getUint32(at + 4);
      if (sizeAfterCommit !== 0) {
        for (const [page, offset] of this.pending) this.committed.set(page, offset);
        this.pending = [];
        this.pages = sizeAfterCommit;
      }
    }
  }
}
