/**
 * A JSON value as a sequence of pieces whose concatenation is exactly `JSON.stringify(value, null, indent)`:
 * the CLI writes a report of millions of points as it goes instead of building one string of its whole size
 * (1.7 GB of memory for 1,000 runs pretty-printed). Arrays of numbers, most of a report, are joined a slice
 * at a time. Values are the plain data a report holds (no `toJSON`, no cycles); `undefined` members are left
 * out as `JSON.stringify` leaves them out.
 */
export function* jsonChunks(value: unknown, indent = ''): Generator<string, void, undefined> {
  yield* chunksOf(value, indent, '\n', new WrittenArrays());
}

/** A number array's pieces as written, and the separator they were written with (which depends on the depth). */
interface Written {
  readonly items: readonly unknown[];
  readonly length: number;
  readonly separator: string;
  readonly pieces: readonly string[];
}

/**
 * The last two number arrays written: the same array again (the steps the run store shares between a log's
 * metrics, written steps, values, steps, values…) is written from its pieces instead of formatting every number
 * again (an event file's ten metrics share 100,000 steps). Two, so that a metric's values between two uses of
 * its steps do not push them out; only two, so that the memory held stays that of two arrays' text. An array is
 * known by its identity and length: a document is not changed while it is written.
 */
class WrittenArrays {
  private recent: Written | undefined;
  private older: Written | undefined;

  find(items: readonly unknown[], separator: string): readonly string[] | undefined {
    for (const written of [this.recent, this.older]) {
      if (written !== undefined && written.items === items && written.length === items.length && written.separator === separator) {
        if (written === this.older) this.remember(written);
        return written.pieces;
      }
    }
    return undefined;
  }

  remember(written: Written): void {
    if (written === this.recent) return;
    this.older = this.recent;
    this.recent = written;
  }
}

/** Numbers of an array joined per piece: large enough that a piece costs little, small enough to stay a few tens of kB. */
const NUMBERS_PER_PIECE = 4096;

function* chunksOf(value: unknown, indent: string, newline: string, written: WrittenArrays): Generator<string, void, undefined> {
  if (Array.isArray(value)) yield* arrayChunks(value, indent, newline, written);
  else if (value !== null && typeof value === 'object') yield* objectChunks(value as Record<string, unknown>, indent, newline, written);
  else yield scalar(value) ?? 'null';
}

/** A primitive as JSON.stringify writes it; undefined for what it leaves out of an object (undefined, functions, symbols). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  return undefined;
}

function* arrayChunks(items: readonly unknown[], indent: string, newline: string, written: WrittenArrays): Generator<string, void, undefined> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  const inner = newline + indent;
  const separator = indent === '' ? ',' : ',' + inner;
  const again = written.find(items, separator);
  if (again !== undefined) {
    yield* again;
    return;
  }
  // The pieces of an array written wholly as numbers, kept to write it again; anything else stops keeping them.
  let pieces: string[] | undefined = [];
  const opening = indent === '' ? '[' : '[' + inner;
  pieces.push(opening);
  yield opening;
  let i = 0;
  while (i < items.length) {
    // Elements are read from a copy, never from `items`: once V8 has optimized a read that saw arrays of numbers
    // and arrays of objects, it converts each numbers' array it reads to the general kind in place, every value
    // boxed (24 bytes a number, not 8; a report's series are the run store's own arrays).
    const first = items.slice(i, i + 1)[0];
    if (typeof first === 'number' || first === null) {
      // Up to a piece of values as one string, written by JSON.stringify itself. Numbers and nulls hold no comma,
      // quote or bracket, so its compact separators become the indented ones by a replace; a piece holding
      // anything else is written a value at a time.
      const end = Math.min(items.length, i + NUMBERS_PER_PIECE);
      const body = JSON.stringify(items.slice(i, end)).slice(1, -1);
      if (body.indexOf('"') < 0 && body.indexOf('{') < 0 && body.indexOf('[') < 0) {
        const piece = (i === 0 ? '' : separator) + (indent === '' ? body : body.replaceAll(',', separator));
        pieces?.push(piece);
        yield piece;
        i = end;
        continue;
      }
      pieces = undefined;
      for (const value of items.slice(i, end)) {
        if (i > 0) yield separator;
        yield* valueChunks(value, indent, inner, written);
        i++;
      }
      continue;
    }
    pieces = undefined;
    if (i > 0) yield separator;
    yield* valueChunks(first, indent, inner, written);
    i++;
  }
  const closing = indent === '' ? ']' : newline + ']';
  yield closing;
  if (pieces !== undefined) {
    pieces.push(closing);
    written.remember({ items, length: items.length, separator, pieces });
  }
}

/** An array's element: JSON.stringify writes null for what an array cannot hold (undefined, functions, symbols). */
function* valueChunks(value: unknown, indent: string, inner: string, written: WrittenArrays): Generator<string, void, undefined> {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') yield 'null';
  else yield* chunksOf(value, indent, inner, written);
}

function* objectChunks(object: Record<string, unknown>, indent: string, newline: string, written: WrittenArrays): Generator<string, void, undefined> {
  const inner = newline + indent;
  let first = true;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    const name = JSON.stringify(key) + (indent === '' ? ':' : ': ');
    yield (first ? (indent === '' ? '{' : '{' + inner) : indent === '' ? ',' : ',' + inner) + name;
    first = false;
    const text = scalar(value);
    if (text !== undefined) yield text;
    else yield* chunksOf(value, indent, inner, written);
  }
  yield first ? '{}' : indent === '' ? '}' : newline + '}';
}
