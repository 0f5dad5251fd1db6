import { decodeUtf8, MalformedMessage, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT, WireReader } from './protobufWire';

/**
 * The scalars of the Event decoded last. One is reused for every record of a chunk: a file holds
 * hundreds of thousands of small events, and objects per event would cost more than decoding them.
 */
export class EventScalars {
  wallTime: number | undefined = undefined;
  /** proto3 leaves out a zero step, so a missing step is 0. */
  step = 0;
  count = 0;
  /** The hyperparameters of an `add_hparams` session (HParams plugin `session_start_info`), when the event holds them. */
  hparams: Record<string, string | number | boolean> | undefined = undefined;
  readonly tags: string[] = [];
  readonly values: number[] = [];
  /** Tags repeat in every record: decoded once, the same string comes back (and hashes once in the store's maps). */
  private readonly tagCache = new Map<number, TagEntry[]>();
  /** The tag decoded last: writers log their tags in the same cycle every step, so its successor is usually the next one. */
  private lastTag: TagEntry | undefined = undefined;

  reset(): void {
    this.wallTime = undefined;
    this.step = 0;
    this.count = 0;
    this.hparams = undefined;
  }

  add(tag: string, value: number): void {
    this.tags[this.count] = tag;
    this.values[this.count] = value;
    this.count++;
  }

  tag(bytes: Uint8Array, start: number, end: number): string {
    return this.tagEntry(bytes, start, end).text;
  }

  /** The tag's entry, whose `columnId` a reader may fill to find the tag's column without a lookup next time. */
  private tagEntry(bytes: Uint8Array, start: number, end: number): TagEntry {
    // The predicted tag costs one comparison; hashing first would read the bytes twice.
    const predicted = this.lastTag?.next;
    if (predicted !== undefined && sameBytes(predicted.bytes, bytes, start, end)) {
      this.lastTag = predicted;
      return predicted;
    }
    return this.found(this.lookUp(bytes, start, end));
  }

  /**
   * `tagEntry` for a reader holding a DataView on `bytes`: the predicted tag is compared four bytes a step. In a
   * file of one-value events recognising the tag was a third of decoding them (30 of 105 ms for a million records).
   */
  tagEntryIn(view: DataView, bytes: Uint8Array, start: number, end: number): TagEntry {
    const predicted = this.lastTag?.next;
    if (predicted !== undefined && sameWords(predicted, view, bytes, start, end)) {
      this.lastTag = predicted;
      return predicted;
    }
    return this.found(this.lookUp(bytes, start, end));
  }

  private found(entry: TagEntry): TagEntry {
    if (this.lastTag !== undefined) this.lastTag.next = entry;
    this.lastTag = entry;
    return entry;
  }

  private lookUp(bytes: Uint8Array, start: number, end: number): TagEntry {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
    const bucket = this.tagCache.get(hash);
    if (bucket !== undefined) for (const known of bucket) if (sameBytes(known.bytes, bytes, start, end)) return known;
    const copy = bytes.slice(start, end);
    const words = new Int32Array(copy.length >> 2);
    const view = new DataView(copy.buffer);
    for (let w = 0; w < words.length; w++) words[w] = view.getInt32(w * 4, true);
    const entry: TagEntry = { bytes: copy, words, text: decodeUtf8(bytes, start, end), next: undefined, columnId: -1 };
    if (bucket === undefined) this.tagCache.set(hash, [entry]);
    else bucket.push(entry);
    return entry;
  }
}

export interface TagEntry {
  readonly bytes: Uint8Array;
  /** The first `bytes.length >> 2` groups of four bytes, as little-endian words. */
  readonly words: Int32Array;
  readonly text: string;
  /** The tag that followed this one last time. */
  next: TagEntry | undefined;
  /** The tag's key number in the columns the points of this chunk go to (`PointColumns.keyId`), -1 until asked. */
  columnId: number;
}

function sameBytes(known: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== bytes[start + i]) return false;
  return true;
}

function sameWords(known: TagEntry, view: DataView, bytes: Uint8Array, start: number, end: number): boolean {
  const length = known.bytes.length;
  if (length !== end - start) return false;
  const words = known.words;
  let i = 0;
  for (let w = 0; w < words.length; w++, i += 4) if (view.getInt32(start + i, true) !== words[w]) return false;
  for (; i < length; i++) if (known.bytes[i] !== bytes[start + i]) return false;
  return true;
}

// TensorProto dtypes that hold one number a scalar summary can be.
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;
const DT_BFLOAT16 = 14;
const DT_HALF = 19;

/** Plugins whose tensors are not scalars even when they hold one number (an hparams marker, a one-bucket histogram). */
const NOT_SCALAR_PLUGINS = new Set(['histograms', 'images', 'audio', 'text', 'pr_curves', 'hparams', 'mesh', 'custom_scalars', 'graphs', 'projector']);

/**
 * Decodes one serialized `Event` (tensorboard/compat/proto/event.proto) from `[reader.pos, reader.end)`,
 * keeping only its scalars: a `Value.simple_value`, or a one-element numeric `tensor` (`float_val`,
 * `double_val`, TF2's raw `tensor_content`). Graphs, images, histograms and text are stepped over unread.
 * Throws `MalformedMessage` when the bytes are not a well-formed Event.
 */
export function decodeEvent(reader: WireReader, out: EventScalars): void {
  out.reset();
  const end = reader.end;
  while (reader.pos < end) {
    const key = reader.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === WIRE_FIXED64) out.wallTime = reader.float64();
    else if (field === 2 && wireType === WIRE_VARINT) out.step = reader.varint();
    else if (field === 5 && wireType === WIRE_LENGTH) readSummary(reader, reader.lengthEnd(), out);
    else reader.skip(wireType);
  }
}

function readSummary(reader: WireReader, end: number, out: EventScalars): void {
  while (reader.pos < end) {
    const key = reader.varint();
    if (key === (1 << 3) + WIRE_LENGTH) readValue(reader, reader.lengthEnd(), out);
    else reader.skip(key & 7);
  }
  reader.pos = end;
}

function readValue(reader: WireReader, end: number, out: EventScalars): void {
  let tag = '';
  let value: number | undefined;
  let tensorValue: number | undefined;
  let plugin = '';
  while (reader.pos < end) {
    const key = reader.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === WIRE_LENGTH) {
      const tagEnd = reader.lengthEnd();
      tag = out.tag(reader.bytes, reader.pos, tagEnd);
      reader.pos = tagEnd;
    } else if (field === 2 && wireType === WIRE_FIXED32) value = reader.float32();
    else if (field === 8 && wireType === WIRE_LENGTH) tensorValue = readScalarTensor(reader, reader.lengthEnd());
    else if (field === 9 && wireType === WIRE_LENGTH) plugin = readPluginData(reader, reader.lengthEnd(), out);
    else reader.skip(wireType);
  }
  if (reader.pos !== end) throw new MalformedMessage('value runs past its length');
  const number = value ?? (NOT_SCALAR_PLUGINS.has(plugin) ? undefined : tensorValue);
  if (number !== undefined) out.add(tag, number);
}

/**
 * `SummaryMetadata.plugin_data`: its `plugin_name`, which says how to read a tensor, and for the HParams plugin
 * its `content`, whose session start names the trial's hyperparameters.
 */
function readPluginData(reader: WireReader, end: number, out: EventScalars): string {
  let name = '';
  let content: [number, number] | undefined;
  while (reader.pos < end) {
    const key = reader.varint();
    if (key === (1 << 3) + WIRE_LENGTH) {
      const pluginEnd = reader.lengthEnd();
      while (reader.pos < pluginEnd) {
        const inner = reader.varint();
        if (inner === (1 << 3) + WIRE_LENGTH || inner === (2 << 3) + WIRE_LENGTH) {
          const fieldEnd = reader.lengthEnd();
          if (inner === (1 << 3) + WIRE_LENGTH) name = decodeUtf8(reader.bytes, reader.pos, fieldEnd);
          else content = [reader.pos, fieldEnd];
          reader.pos = fieldEnd;
        } else reader.skip(inner & 7);
      }
    } else reader.skip(key & 7);
  }
  reader.pos = end;
  if (name === 'hparams' && content !== undefined) out.hparams = readSessionStart(new WireReader(reader.bytes, content[0], content[1]));
  return name;
}

/** `HParamsPluginData { session_start_info = 3 { map<string, google.protobuf.Value> hparams = 1 } }`; undefined for its other kinds. */
function readSessionStart(reader: WireReader): Record<string, string | number | boolean> | undefined {
  let hparams: Record<string, string | number | boolean> | undefined;
  while (reader.pos < reader.end) {
    const key = reader.varint();
    if (key !== (3 << 3) + WIRE_LENGTH) {
      reader.skip(key & 7);
      continue;
    }
    const sessionEnd = reader.lengthEnd();
    hparams ??= {};
    while (reader.pos < sessionEnd) {
      const inner = reader.varint();
      if (inner === (1 << 3) + WIRE_LENGTH) readHparam(reader, reader.lengthEnd(), hparams);
      else reader.skip(inner & 7);
    }
    reader.pos = sessionEnd;
  }
  return hparams;
}

/** One map entry `{ key = 1, value = 2: Value { number_value = 2, string_value = 3, bool_value = 4 } }`. */
function readHparam(reader: WireReader, end: number, into: Record<string, string | number | boolean>): void {
  let name: string | undefined;
  let value: string | number | boolean | undefined;
  while (reader.pos < end) {
    const key = reader.varint();
    if (key === (1 << 3) + WIRE_LENGTH) {
      const nameEnd = reader.lengthEnd();
      name = decodeUtf8(reader.bytes, reader.pos, nameEnd);
      reader.pos = nameEnd;
    } else if (key === (2 << 3) + WIRE_LENGTH) {
      const valueEnd = reader.lengthEnd();
      while (reader.pos < valueEnd) {
        const inner = reader.varint();
        if (inner === (2 << 3) + WIRE_FIXED64) value = reader.float64();
        else if (inner === (3 << 3) + WIRE_LENGTH) {
          const textEnd = reader.lengthEnd();
          value = decodeUtf8(reader.bytes, reader.pos, textEnd);
          reader.pos = textEnd;
        } else if (inner === (4 << 3) + WIRE_VARINT) value = reader.varint() !== 0;
        else reader.skip(inner & 7);
      }
      reader.pos = valueEnd;
    } else reader.skip(key & 7);
  }
  if (reader.pos !== end) throw new MalformedMessage('hparam runs past its length');
  if (name !== undefined && value !== undefined) into[name] = value;
}

/** The value of a TensorProto holding exactly one number; undefined for strings, empty or larger tensors. */
function readScalarTensor(reader: WireReader, end: number): number | undefined {
  let dtype = 0;
  const values: number[] = [];
  let content: [number, number] | undefined;
  while (reader.pos < end) {
    const key = reader.varint();
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === WIRE_VARINT) dtype = reader.varint();
    else if (field === 4 && wireType === WIRE_LENGTH) {
      const contentEnd = reader.lengthEnd();
      content = [reader.pos, contentEnd];
      reader.pos = contentEnd;
    } else if (field === 5) readRepeated(reader, wireType, WIRE_FIXED32, values, () => reader.float32());
    else if (field === 6) readRepeated(reader, wireType, WIRE_FIXED64, values, () => reader.float64());
    else if (field === 7 || field === 10) readRepeated(reader, wireType, WIRE_VARINT, values, () => reader.varint());
    else if (field === 13) readRepeated(reader, wireType, WIRE_VARINT, values, () => halfBits(reader.varint(), dtype));
    else reader.skip(wireType);
  }
  reader.pos = end;
  if (content !== undefined) return contentScalar(reader, dtype, content[0], content[1]);
  return values.length === 1 && isNumericType(dtype) ? values[0] : undefined;
}

function isNumericType(dtype: number): boolean {
  return dtype === DT_FLOAT || dtype === DT_DOUBLE || dtype === DT_INT32 || dtype === DT_INT64 || dtype === DT_HALF || dtype === DT_BFLOAT16;
}

/** Repeated numeric fields come packed (one length-delimited run) or one by one; both are valid protobuf. */
function readRepeated(reader: WireReader, wireType: number, elementType: number, out: number[], readOne: () => number): void {
  if (wireType === elementType) {
    out.push(readOne());
    return;
  }
  if (wireType !== WIRE_LENGTH) {
    reader.skip(wireType);
    return;
  }
  const end = reader.lengthEnd();
  // Two elements already make it no scalar: the rest is stepped over.
  while (reader.pos < end && out.length < 2) out.push(readOne());
  if (reader.pos > end) throw new MalformedMessage('packed field runs past its length');
  reader.pos = end;
}

/** Raw little-endian tensor bytes (TF2's `tf.summary.scalar`): a scalar is exactly one element. */
function contentScalar(reader: WireReader, dtype: number, start: number, end: number): number | undefined {
  const size = end - start;
  if (dtype === DT_FLOAT && size === 4) return reader.float32At(start);
  if (dtype === DT_DOUBLE && size === 8) return reader.float64At(start);
  if ((dtype === DT_HALF || dtype === DT_BFLOAT16) && size === 2)
    return halfBits((reader.bytes[start] as number) | ((reader.bytes[start + 1] as number) << 8), dtype);
  if (dtype === DT_INT32 && size === 4) return new DataView(reader.bytes.buffer, reader.bytes.byteOffset + start, 4).getInt32(0, true);
  if (dtype === DT_INT64 && size === 8) return Number(new DataView(reader.bytes.buffer, reader.bytes.byteOffset + start, 8).getBigInt64(0, true));
  return undefined;
}

/** 16-bit floats: IEEE half, or bfloat16 (the top half of a float32). */
function halfBits(bits: number, dtype: number): number {
  if (dtype === DT_BFLOAT16) {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, (bits & 0xffff) << 16);
    return view.getFloat32(0);
  }
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
