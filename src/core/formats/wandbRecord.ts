import { decodeUtf8, MalformedMessage, WIRE_LENGTH, WIRE_VARINT, WireReader } from './protobufWire';

/**
 * The few parts of W&B's `Record` proto (wandb_internal.proto) that hold numbers and names: `history = 2`,
 * `summary = 3`, `config = 5`, `run = 17`. Everything else (console output, system stats, telemetry, requests)
 * is stepped over without decoding. Items are `{key = 1, nested_key = 2 (repeated), value_json = 16}` in
 * history, summary and config alike.
 */
export interface WandbItem {
  readonly key: string;
  readonly valueJson: string;
}

export type WandbRecord =
  | { readonly kind: 'history'; readonly items: WandbItem[]; readonly step: number | undefined }
  | { readonly kind: 'summary'; readonly items: WandbItem[] }
  | { readonly kind: 'config'; readonly items: WandbItem[] }
  | { readonly kind: 'run'; readonly displayName: string | undefined; readonly config: WandbItem[] };

function fieldNumber(tag: number): number {
  return Math.floor(tag / 8);
}

/** One item, read with its parent's reader (a reader per item costs more than the item): `[reader.pos, end)`. */
function readItem(reader: WireReader, end: number): WandbItem | undefined {
  const bytes = reader.bytes;
  let key = '';
  let nested: string[] | undefined;
  let valueJson: string | undefined;
  while (reader.pos < end) {
    const tag = reader.varint();
    const wire = tag & 7;
    const field = fieldNumber(tag);
    if (wire === WIRE_LENGTH && (field === 1 || field === 2 || field === 16)) {
      const fieldEnd = reader.lengthEnd();
      if (fieldEnd > end) throw new MalformedMessage('item field runs past the item');
      const text = decodeUtf8(bytes, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
      if (field === 1) key = text;
      else if (field === 2) (nested ??= []).push(text);
      else valueJson = text;
    } else reader.skip(wire);
  }
  if (reader.pos > end) throw new MalformedMessage('item runs past its end');
  const name = key !== '' ? key : (nested?.join('.') ?? '');
  return name === '' || valueJson === undefined ? undefined : { key: name, valueJson };
}

/** `repeated Item update = 1` of SummaryRecord and ConfigRecord, and `repeated HistoryItem item = 1`. */
function readItems(bytes: Uint8Array, start: number, end: number, onOther?: (reader: WireReader, tag: number) => boolean): WandbItem[] {
  const reader = new WireReader(bytes, start, end);
  const items: WandbItem[] = [];
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | WIRE_LENGTH)) {
      const itemEnd = reader.lengthEnd();
      const item = readItem(reader, itemEnd);
      if (item !== undefined) items.push(item);
    } else if (onOther === undefined || !onOther(reader, tag)) reader.skip(tag & 7);
  }
  return items;
}

function readHistory(bytes: Uint8Array, start: number, end: number): WandbRecord {
  let step: number | undefined;
  const items = readItems(bytes, start, end, (reader, tag) => {
    if (tag !== ((2 << 3) | WIRE_LENGTH)) return false;
    // HistoryStep { int64 num = 1 }: proto3 leaves out step 0.
    const stepEnd = reader.lengthEnd();
    const inner = new WireReader(bytes, reader.pos, stepEnd);
    while (inner.pos < stepEnd) {
      const innerTag = inner.varint();
      if (innerTag === ((1 << 3) | WIRE_VARINT)) step = inner.varint();
      else inner.skip(innerTag & 7);
    }
    step ??= 0;
    reader.pos = stepEnd;
    return true;
  });
  return { kind: 'history', items, step };
}

function readRun(bytes: Uint8Array, start: number, end: number): WandbRecord {
  const reader = new WireReader(bytes, start, end);
  let displayName: string | undefined;
  let config: WandbItem[] = [];
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((8 << 3) | WIRE_LENGTH) || tag === ((4 << 3) | WIRE_LENGTH)) {
      const fieldEnd = reader.lengthEnd();
      if (tag === ((8 << 3) | WIRE_LENGTH)) displayName = decodeUtf8(bytes, reader.pos, fieldEnd);
      else config = readItems(bytes, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else reader.skip(tag & 7);
  }
  return { kind: 'run', displayName, config };
}

/** The record's history, summary, config or run part; undefined for the many other kinds. Throws MalformedMessage. */
export function decodeWandbRecord(bytes: Uint8Array): WandbRecord | undefined {
  const reader = new WireReader(bytes, 0, bytes.length);
  while (reader.pos < bytes.length) {
    const tag = reader.varint();
    const field = fieldNumber(tag);
    if ((tag & 7) !== WIRE_LENGTH || (field !== 2 && field !== 3 && field !== 5 && field !== 17)) {
      reader.skip(tag & 7);
      continue;
    }
    const end = reader.lengthEnd();
    switch (field) {
      case 2:
        return readHistory(bytes, reader.pos, end);
      case 3:
        return { kind: 'summary', items: readItems(bytes, reader.pos, end) };
      case 5:
        return { kind: 'config', items: readItems(bytes, reader.pos, end) };
      default:
        return readRun(bytes, reader.pos, end);
    }
  }
  return undefined;
}
