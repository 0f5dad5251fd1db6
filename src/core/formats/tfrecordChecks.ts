import { maskedCrc32cIn } from './crc32c';

/** Length (8) + its CRC (4) before the data; the data's CRC (4) after it. */
export const HEADER_BYTES = 12;
export const FOOTER_BYTES = 4;
/** No writer emits a record this large; a length beyond it whose checksum passes is still not to be allocated. */
const MAX_RECORD_BYTES = 1 << 30;

/**
 * The last record length below 2^32 whose 8 bytes passed their checksum, and that checksum: the same length
 * has the same checksum, so a file of records of a few sizes computes it a few times, not once a record.
 */
export interface LengthMemo {
  checkedLength: number;
  checkedLengthCrc: number;
}

/**
 * The length of the record whose 12-byte header starts at `pos`, or -1 when the length fails its checksum or
 * is over MAX_RECORD_BYTES (the framing ends there): the one test of a length, for the reader and the helper.
 */
export function recordLength(view: DataView, bytes: Uint8Array, pos: number, memo: LengthMemo): number {
  const low = view.getUint32(pos, true);
  const high = view.getUint32(pos + 4, true);
  const lengthCrc = view.getUint32(pos + 8, true);
  if (high === 0 && low === memo.checkedLength && lengthCrc === memo.checkedLengthCrc) return low;
  const length = low + high * 2 ** 32;
  if (maskedCrc32cIn(view, bytes, pos, pos + 8) !== lengthCrc || length > MAX_RECORD_BYTES) return -1;
  if (high === 0) {
    memo.checkedLength = low;
    memo.checkedLengthCrc = lengthCrc;
  }
  return length;
}

/**
 * The checksums of a TFRecord file's records, checked as its bytes arrive, framed exactly as the event-file
 * reader frames them (tfeventsFormat.ts): a record whose length fails its checksum (or is over
 * MAX_RECORD_BYTES) ends the framing, and an unfinished last record waits. It runs in a helper thread beside
 * a reader that decodes the same bytes, and which skips the data checks of records that ended before
 * `position` (every one of them passed here; checking stops at a damaged one).
 */
export class TfrecordChecks implements LengthMemo {
  /** File offset of the next record to check. */
  position: number;
  /** Offset of the first record whose data failed its checksum; -1 while there is none. Checking ends there. */
  firstDamaged = -1;
  /** True once a corrupt length ended the framing, as it ends the reader's. */
  stopped = false;
  checkedLength = -1;
  checkedLengthCrc = 0;

  /** `position`: a record's start, where checking begins (records before it checked elsewhere). */
  constructor(position = 0) {
    this.position = position;
  }

  /**
   * Checks the records that `bytes[0, available)` holds whole, from where the last call left off, ending
   * after the record that reaches `budget` bytes past that point (so a caller can say how far it got).
   */
  advance(view: DataView, bytes: Uint8Array, available: number, budget = Infinity): void {
    let pos = this.position;
    const until = pos + budget;
    while (!this.stopped && this.firstDamaged < 0 && pos < until && available - pos >= HEADER_BYTES) {
      const length = recordLength(view, bytes, pos, this);
      if (length < 0) {
        this.stopped = true;
        break;
      }
      const dataEnd = pos + HEADER_BYTES + length;
      if (dataEnd + FOOTER_BYTES > available) break;
      if (maskedCrc32cIn(view, bytes, pos + HEADER_BYTES, dataEnd) !== view.getUint32(dataEnd, true)) {
        this.firstDamaged = pos;
        break;
      }
      pos = dataEnd + FOOTER_BYTES;
    }
    this.position = pos;
  }

  /** True when nothing further can change the verdict: a damaged record or a corrupt length was met. */
  get settled(): boolean {
    return this.stopped || this.firstDamaged >= 0;
  }
}
