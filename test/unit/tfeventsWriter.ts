import { tfRecord } from '../../scripts/logWriters.mjs';
import { varint } from './varint';

/** Test fixtures written the way TensorBoard's writers lay out bytes: protobuf fields in TFRecord framing. */

const key = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const lengthField = (field: number, body: readonly number[]): number[] => [...key(field, 2), ...varint(body.length), ...body];
const text = (value: string): number[] => [...new TextEncoder().encode(value)];

function le(size: 4 | 8, write: (view: DataView) => void): number[] {
  const view = new DataView(new ArrayBuffer(size));
  write(view);
  return [...new Uint8Array(view.buffer)];
}

export type FixtureValue =
  | { readonly tag: string; readonly simple: number }
  | { readonly tag: string; readonly floatVal: number; readonly packed?: boolean; readonly plugin?: string }
  | { readonly tag: string; readonly doubleVal: number }
  | { readonly tag: string; readonly content: number }
  /**
   * A DT_FLOAT tensor of four bytes laid out as Python's protobuf writes it (TensorBoard's own Writer, PyTorch's `new_style`):
   * the tensor, then its metadata. The bytes are the float as `tensor_content` (field 4) or `float_val` (5), or four
   * one-byte `int_val`s (7), which make no scalar.
   */
  | { readonly tag: string; readonly tensorFloat: number; readonly field: 4 | 5 | 7; readonly plugin?: string; readonly dataClass?: boolean }
  | { readonly tag: string; readonly text: string }
  | { readonly tag: string; readonly image: number }
  | { readonly tag: string; readonly hparams: Readonly<Record<string, number | string | boolean>> };

/** google.protobuf.Value: number_value = 2 (double), string_value = 3, bool_value = 4. */
function protobufValue(value: number | string | boolean): number[] {
  if (typeof value === 'number') return [...key(2, 1), ...le(8, (v) => v.setFloat64(0, value, true))];
  if (typeof value === 'string') return lengthField(3, text(value));
  return [...key(4, 0), ...varint(value ? 1 : 0)];
}

/** The HParams plugin's `session_start_info` as `add_hparams` writes it: `HParamsPluginData { version = 1, session_start_info = 3 { hparams = 1 (map) } }`. */
function sessionStart(hparams: Readonly<Record<string, number | string | boolean>>): number[] {
  const entries = Object.entries(hparams).flatMap(([name, value]) => lengthField(1, [...lengthField(1, text(name)), ...lengthField(2, protobufValue(value))]));
  return [...key(1, 0), ...varint(0), ...lengthField(3, entries)];
}

function encodeValue(value: FixtureValue): number[] {
  const tag = lengthField(1, text(value.tag));
  const scalarsPlugin = lengthField(9, lengthField(1, lengthField(1, text('scalars'))));
  if ('simple' in value) return [...tag, ...key(2, 5), ...le(4, (v) => v.setFloat32(0, value.simple, true))];
  if ('floatVal' in value) {
    const float = le(4, (v) => v.setFloat32(0, value.floatVal, true));
    const vals = value.packed === false ? [...key(5, 5), ...float] : lengthField(5, float);
    const plugin = lengthField(9, lengthField(1, lengthField(1, text(value.plugin ?? 'scalars'))));
    return [...tag, ...plugin, ...lengthField(8, [...key(1, 0), ...varint(1), ...lengthField(2, []), ...vals])];
  }
  if ('tensorFloat' in value) {
    const float = value.field === 7 ? [1, 2, 3, 4] : le(4, (v) => v.setFloat32(0, value.tensorFloat, true));
    const tensor = lengthField(8, [...key(1, 0), ...varint(1), ...lengthField(2, []), ...lengthField(value.field, float)]);
    const pluginData = lengthField(1, lengthField(1, text(value.plugin ?? '')));
    const metadata = value.plugin === undefined ? [] : lengthField(9, [...pluginData, ...(value.dataClass === true ? [...key(4, 0), ...varint(1)] : [])]);
    return [...tag, ...tensor, ...metadata];
  }
  if ('doubleVal' in value)
    return [
      ...tag,
      ...scalarsPlugin,
      ...lengthField(8, [
        ...key(1, 0),
        ...varint(2),
        ...lengthField(
          6,
          le(8, (v) => v.setFloat64(0, value.doubleVal, true)),
        ),
      ]),
    ];
  if ('content' in value)
    return [
      ...tag,
      ...scalarsPlugin,
      ...lengthField(8, [
        ...key(1, 0),
        ...varint(1),
        ...lengthField(2, []),
        ...lengthField(
          4,
          le(4, (v) => v.setFloat32(0, value.content, true)),
        ),
      ]),
    ];
  if ('hparams' in value) {
    const plugin = lengthField(9, lengthField(1, [...lengthField(1, text('hparams')), ...lengthField(2, sessionStart(value.hparams))]));
    return [...tag, ...plugin];
  }
  if ('text' in value) {
    const textPlugin = lengthField(9, lengthField(1, lengthField(1, text('text'))));
    return [...tag, ...textPlugin, ...lengthField(8, [...key(1, 0), ...varint(7), ...lengthField(8, text(value.text))])];
  }
  return [...tag, ...lengthField(4, [...key(1, 0), ...varint(28), ...key(2, 0), ...varint(28), ...lengthField(4, new Array<number>(value.image).fill(7))])];
}

/** One Event: wall_time, step (left out when 0, as proto3 does) and a summary of values. */
export function encodeEvent(event: { wallTime?: number; step?: number; values?: readonly FixtureValue[]; fileVersion?: string }): Uint8Array {
  const parts: number[][] = [];
  if (event.wallTime !== undefined)
    parts.push(
      key(1, 1),
      le(8, (v) => v.setFloat64(0, event.wallTime ?? 0, true)),
    );
  if (event.step !== undefined && event.step !== 0) parts.push(key(2, 0), varint(event.step));
  if (event.fileVersion !== undefined) parts.push(lengthField(3, text(event.fileVersion)));
  if (event.values !== undefined)
    parts.push(
      lengthField(
        5,
        event.values.flatMap((value) => lengthField(1, encodeValue(value))),
      ),
    );
  // Joined without spreading into a call: an image of megabytes would overflow the stack as arguments.
  return Uint8Array.from(parts.flat());
}

export function eventFile(events: readonly Parameters<typeof encodeEvent>[0][]): Uint8Array {
  const records = events.map((event) => tfRecord(encodeEvent(event)));
  const file = new Uint8Array(records.reduce((sum, record) => sum + record.length, 0));
  let offset = 0;
  for (const record of records) {
    file.set(record, offset);
    offset += record.length;
  }
  return file;
}
