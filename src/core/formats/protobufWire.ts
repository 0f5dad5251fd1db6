/**
 * Just enough of the protobuf wire format to pull a few fields out of a message and step over the rest
 * without decoding it (images, histograms and graphs cost a skip, not a parse). Malformed input throws
 * `MalformedMessage`; a caller catches it per record so one bad record never ends a file.
 */
export class MalformedMessage extends Error {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

/** One reader serves every record of a chunk: `reset` points it at the next one, so nothing is allocated per record. */
export class WireReader {
  pos: number;
  end: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    end: number,
  ) {
    this.pos = start;
    this.end = end;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  reset(start: number, end: number): void {
    this.pos = start;
    this.end = end;
  }

  /** A varint as a number: exact up to 2^53, which covers every step a log can hold. Negative int64s come out negative. */
  varint(): number {
    // Field keys, small steps and short lengths are one byte: most varints of a record end here.
    if (this.pos < this.end) {
      const first = this.bytes[this.pos] as number;
      if (first < 0x80) {
        this.pos++;
        return first;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedMessage('varint runs past the end');
      const byte = this.bytes[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return i === 9 || result >= 2 ** 63 ? result - 2 ** 64 : result;
      scale *= 128;
    }
    throw new MalformedMessage('varint longer than 10 bytes');
  }

  /** The end of a length-delimited field whose length is next; the caller reads `[pos, end)`. */
  lengthEnd(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (length < 0 || end > this.end) throw new MalformedMessage('field runs past the end');
    return end;
  }

  float32(): number {
    if (this.pos + 4 > this.end) throw new MalformedMessage('float runs past the end');
    const value = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  float64(): number {
    if (this.pos + 8 > this.end) throw new MalformedMessage('double runs past the end');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Little-endian reads at an absolute offset, for packed arrays and raw tensor contents. */
  float32At(offset: number): number {
    return this.view.getFloat32(offset, true);
  }

  float64At(offset: number): number {
    return this.view.getFloat64(offset, true);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_LENGTH:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new MalformedMessage(`unknown wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new MalformedMessage('field runs past the end');
  }
}

const utf8 = new TextDecoder('utf-8');

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  // Tags are short ASCII almost always: building them by hand avoids TextDecoder's per-call overhead.
  let ascii = '';
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end));
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}
