import { decodeUtf8, MalformedMessage, WIRE_LENGTH, WIRE_VARINT, WireReader } from './protobufWire';

/**
 * The few parts of W&B's `Record` proto (wandb_internal.proto) that hold numbers and names: `history = 2`,
 * `summary = 3`, `config = 5`, `run = 17`, and `exit = 18`, which ends the run. Everything else (console output,
 * system stats, telemetry, requests) is stepped over without decoding. Items are `{key = 1, nested_key = 2
 * (repeated), value_json = 16}` in history, summary and config alike.
 */
export interface WandbItem {
  readonly key: string;
  readonly valueJson: string;
}

export type WandbRecord =
  | { readonly kind: 'history'; readonly items: WandbItem[]; readonly step: number | undefined }
  | { readonly kind: 'summary'; readonly items: WandbItem[] }
  | { readonly kind: 'config'; readonly items: WandbItem[] }
  | { readonly kind: 'run'; readonly displayName: string | undefined; readonly config: WandbItem[]; readonly startingStep: number; readonly resume: boolean }
  | { readonly kind: 'exit' };

function fieldNumber(tag: number): number {
  return Math.floor(tag / 8);
}

/** Keys repeat in every row of a run: each distinct key is decoded once, found again by its bytes. */
const keysByHash = new Map<number, { readonly bytes: Uint8Array; readonly text: string }[]>();
const MAX_KEYS = 10_000;

function internedKey(bytes: Uint8Array, start: number, end: number): string {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  const bucket = keysByHash.get(hash);
  if (bucket !== undefined) {
    for (const known of bucket) {
      if (known.bytes.length !== end - start) continue;
      let same = true;
      for (let i = start; i < end && same; i++) same = known.bytes[i - start] === bytes[i];
      if (same) return known.text;
    }
  }
  const text = decodeUtf8(bytes, start, end);
  if (keysByHash.size < MAX_KEYS) {
    const entry = { bytes: bytes.slice(start, end), text };
    if (bucket === undefined) keysByHash.set(hash, [entry]);
    else bucket.push(entry);
  }
  return text;
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
      if (field === 1) key = internedKey(bytes, reader.pos, fieldEnd);
      else if (field === 2) (nested ??= []).push(decodeUtf8(bytes, reader.pos, fieldEnd));
      else valueJson = decodeUtf8(bytes, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
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

/**
 * RunRecord: `config = 4`, `display_name = 8`, `starting_step = 14` (where a resumed run's history goes on, when
 * the SDK knew it) and `resume = 24` (the run was started to resume an earlier one).
 */
function readRun(bytes: Uint8Array, start: number, end: number): WandbRecord {
  const reader = new WireReader(bytes, start, end);
  let displayName: string | undefined;
  let config: WandbItem[] = [];
  let startingStep = 0;
  let resume = false;
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((8 << 3) | WIRE_LENGTH) || tag === ((4 << 3) | WIRE_LENGTH)) {
      const fieldEnd = reader.lengthEnd();
      if (tag === ((8 << 3) | WIRE_LENGTH)) displayName = decodeUtf8(bytes, reader.pos, fieldEnd);
      else config = readItems(bytes, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else if (tag === ((14 << 3) | WIRE_VARINT)) startingStep = reader.varint();
    else if (tag === ((24 << 3) | WIRE_VARINT)) resume = reader.varint() !== 0;
    else reader.skip(tag & 7);
  }
  return { kind: 'run', displayName, config, startingStep, resume };
}

/** A varint at `pos` of a top-level field; `varintEnd` is where it ended. Most records are stepped over, so no reader is built for them. */
let varintEnd = 0;

function varintAt(bytes: Uint8Array, pos: number): number {
  let result = 0;
  let scale = 1;
  for (let i = pos; i < pos + 10; i++) {
    if (i >= bytes.length) throw new MalformedMessage('varint runs past the end');
    const byte = bytes[i] as number;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      varintEnd = i + 1;
      return result;
    }
    scale *= 128;
  }
  throw new MalformedMessage('varint longer than 10 bytes');
}

/** The record's history, summary, config, run or exit part; undefined for the many other kinds. Throws MalformedMessage. */
export function decodeWandbRecord(bytes: Uint8Array): WandbRecord | undefined {
  let pos = 0;
  while (pos < bytes.length) {
    const tag = varintAt(bytes, pos);
    pos = varintEnd;
    const wire = tag % 8;
    if (wire === WIRE_VARINT) {
      varintAt(bytes, pos);
      pos = varintEnd;
      continue;
    }
    if (wire !== WIRE_LENGTH) {
      // Fixed-width fields: W&B's Record has none at the top level, but stepping over them is cheap.
      if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else throw new MalformedMessage(`unknown wire type ${wire}`);
      continue;
    }
    const length = varintAt(bytes, pos);
    const start = varintEnd;
    const end = start + length;
    if (end > bytes.length) throw new MalformedMessage('field runs past the end');
    pos = end;
    switch (fieldNumber(tag)) {
      case 2:
        return readHistory(bytes, start, end);
      case 3:
        return { kind: 'summary', items: readItems(bytes, start, end) };
      case 5:
        return { kind: 'config', items: readItems(bytes, start, end) };
      case 17:
        return readRun(bytes, start, end);
      case 18:
        return { kind: 'exit' };
    }
  }
  if (pos > bytes.length) throw new MalformedMessage('field runs past the end');
  return undefined;
}
