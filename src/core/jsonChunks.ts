/**
 * A JSON value as a sequence of pieces whose concatenation is exactly `JSON.stringify(value, null, indent)`:
 * the CLI writes a report of millions of points as it goes instead of building one string of its whole size
 * (1.7 GB of memory for 1,000 runs pretty-printed). Arrays of numbers, most of a report, are joined a slice
 * at a time. Values are the plain data a report holds (no `toJSON`, no cycles); `undefined` members are left
 * out as `JSON.stringify` leaves them out.
 */
export function* jsonChunks(value: unknown, indent = ''): Generator<string, void, undefined> {
  yield* chunksOf(value, indent, '\n');
}

/** Numbers of an array joined per piece: large enough that a piece costs little, small enough to stay a few tens of kB. */
const NUMBERS_PER_PIECE = 4096;

function* chunksOf(value: unknown, indent: string, newline: string): Generator<string, void, undefined> {
  if (Array.isArray(value)) yield* arrayChunks(value, indent, newline);
  else if (value !== null && typeof value === 'object') yield* objectChunks(value as Record<string, unknown>, indent, newline);
  else yield scalar(value) ?? 'null';
}

/** A primitive as JSON.stringify writes it; undefined for what it leaves out of an object (undefined, functions, symbols). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  return undefined;
}

function* arrayChunks(items: readonly unknown[], indent: string, newline: string): Generator<string, void, undefined> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  const inner = newline + indent;
  const separator = indent === '' ? ',' : ',' + inner;
  yield indent === '' ? '[' : '[' + inner;
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
        yield (i === 0 ? '' : separator) + (indent === '' ? body : body.replaceAll(',', separator));
        i = end;
        continue;
      }
      for (const value of items.slice(i, end)) {
        if (i > 0) yield separator;
        yield* valueChunks(value, indent, inner);
        i++;
      }
      continue;
    }
    if (i > 0) yield separator;
    yield* valueChunks(first, indent, inner);
    i++;
  }
  yield indent === '' ? ']' : newline + ']';
}

/** An array's element: JSON.stringify writes null for what an array cannot hold (undefined, functions, symbols). */
function* valueChunks(value: unknown, indent: string, inner: string): Generator<string, void, undefined> {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') yield 'null';
  else yield* chunksOf(value, indent, inner);
}

function* objectChunks(object: Record<string, unknown>, indent: string, newline: string): Generator<string, void, undefined> {
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
    else yield* chunksOf(value, indent, inner);
  }
  yield first ? '{}' : indent === '' ? '}' : newline + '}';
}
