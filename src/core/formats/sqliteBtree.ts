/**
 * Rows of a SQLite table read straight from its b-tree pages (https://www.sqlite.org/fileformat2.html), for
 * MLflow's store: its tables only grow at the end of their rowids, so the rows added since the last read are
 * found by walking down the right edge of the tree, a few pages whatever the size of the file. Pages come
 * from a getter (the host reads them from the file and its WAL); nothing here trusts a page: every offset is
 * checked, a page is visited once per walk and the depth is bounded, so a damaged file throws a
 * `SqliteFormatError` and never loops or allocates what a page claims.
 */

export class SqliteFormatError extends Error {}

export type SqliteValue = number | string | Uint8Array | null;

export interface SqliteHeader {
  readonly pageSize: number;
  /** Page size less the bytes each page reserves at its end. */
  readonly usableSize: number;
  /** Bumped by every change of the schema: the schema is read again only then. */
  readonly schemaCookie: number;
}

/** A page by number (1-based); the getter throws for a page past the end of the database. */
export type PageGetter = (page: number) => Promise<Uint8Array>;

const HEADER_MAGIC = 'SQLite format 3\u0000';
/** Deeper than any real table b-tree (a billion rows need about five levels). */
const MAX_DEPTH = 32;
const INTERIOR_TABLE = 0x05;
const LEAF_TABLE = 0x0d;
const utf8 = new TextDecoder('utf-8');

function fail(message: string): never {
  throw new SqliteFormatError(message);
}

export function readSqliteHeader(first: Uint8Array): SqliteHeader {
  if (first.length < 100 || String.fromCharCode(...first.subarray(0, 16)) !== HEADER_MAGIC) fail('not a SQLite database');
  const view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) fail('its page size is not a power of two from 512 to 65536');
  const reserved = first[20] ?? 0;
  if (pageSize - reserved < 480) fail('its reserved bytes leave too little of a page');
  if (view.getUint32(56) > 1) fail('its text is not UTF-8');
  return { pageSize, usableSize: pageSize - reserved, schemaCookie: view.getUint32(40) };
}

/** A varint at `at`: its value (exact below 2^53, as rowids and sizes are) and where it ends. */
function varint(bytes: Uint8Array, at: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    if (at + i >= end) fail('a varint runs past its page');
    const byte = bytes[at + i] as number;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  if (at + 8 >= end) fail('a varint runs past its page');
  return [value * 256 + (bytes[at + 8] as number), at + 9];
}

interface WalkState {
  readonly header: SqliteHeader;
  readonly getPage: PageGetter;
  readonly visited: Set<number>;
}

async function page(state: WalkState, number: number): Promise<Uint8Array> {
  if (!Number.isInteger(number) || number < 1) fail(`a page pointer (${number}) is out of range`);
  if (state.visited.has(number)) fail(`page ${number} is reached twice`);
  state.visited.add(number);
  const bytes = await state.getPage(number);
  if (bytes.length !== state.header.pageSize) fail(`page ${number} is cut short`);
  return bytes;
}

/** The payload of a leaf cell, following its overflow pages; bounded by the payload size the cell declares and the pages that exist. */
async function payload(state: WalkState, bytes: Uint8Array, at: number, size: number): Promise<Uint8Array> {
  const usable = state.header.usableSize;
  const maxLocal = usable - 35;
  if (size <= maxLocal) {
    if (at + size > usable) fail('a cell runs past its page');
    return bytes.subarray(at, at + size);
  }
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((size - minLocal) % (usable - 4));
  const local = k <= maxLocal ? k : minLocal;
  if (at + local + 4 > usable) fail('a cell runs past its page');
  const parts: Uint8Array[] = [bytes.subarray(at, at + local)];
  let left = size - local;
  let next = new DataView(bytes.buffer, bytes.byteOffset + at + local, 4).getUint32(0);
  while (left > 0) {
    if (next === 0) fail('an overflow chain ends early');
    const overflow = await page(state, next);
    const take = Math.min(left, usable - 4);
    parts.push(overflow.subarray(4, 4 + take));
    left -= take;
    next = new DataView(overflow.buffer, overflow.byteOffset, 4).getUint32(0);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Text as stored: short ASCII (metric keys, run ids, a table's every row) is built directly, faster than a decoder call. */
function decodeText(record: Uint8Array, at: number, size: number): string {
  if (size > 64) return utf8.decode(record.subarray(at, at + size));
  let text = '';
  for (let i = at; i < at + size; i++) {
    const byte = record[i] as number;
    if (byte >= 0x80) return utf8.decode(record.subarray(at, at + size));
    text += String.fromCharCode(byte);
  }
  return text;
}

/** A record's values in column order (https://www.sqlite.org/fileformat2.html#record_format). */
export function decodeRecord(record: Uint8Array): SqliteValue[] {
  const [headerSize, afterSize] = varint(record, 0, record.length);
  if (headerSize > record.length || headerSize < afterSize) fail('a record header runs past its record');
  const types: number[] = [];
  for (let at = afterSize; at < headerSize;) {
    const [type, next] = varint(record, at, headerSize);
    types.push(type);
    at = next;
  }
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const values: SqliteValue[] = [];
  let at = headerSize;
  for (const type of types) {
    const size = type >= 12 ? (type - 12) >> 1 : ([0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type] as number);
    if (at + size > record.length) fail('a record value runs past its record');
    switch (type) {
      case 0:
        values.push(null);
        break;
      case 1:
        values.push(view.getInt8(at));
        break;
      case 2:
        values.push(view.getInt16(at));
        break;
      case 3:
        values.push((view.getInt8(at) << 16) | view.getUint16(at + 1));
        break;
      case 4:
        values.push(view.getInt32(at));
        break;
      case 5:
        values.push(view.getInt16(at) * 2 ** 32 + view.getUint32(at + 2));
        break;
      case 6:
        values.push(Number(view.getBigInt64(at)));
        break;
      case 7:
        values.push(view.getFloat64(at));
        break;
      case 8:
        values.push(0);
        break;
      case 9:
        values.push(1);
        break;
      case 10:
      case 11:
        fail('a record uses a reserved type');
        break;
      default:
        values.push(type % 2 === 0 ? record.slice(at, at + size) : decodeText(record, at, size));
    }
    at += size;
  }
  return values;
}

interface TablePage {
  readonly kind: 'interior' | 'leaf';
  readonly bytes: Uint8Array;
  readonly cells: number[];
  readonly rightmost: number;
}

function tablePage(bytes: Uint8Array, number: number, usable: number): TablePage {
  const start = number === 1 ? 100 : 0;
  const type = bytes[start];
  if (type !== INTERIOR_TABLE && type !== LEAF_TABLE) fail(`page ${number} is not a table b-tree page`);
  const interior = type === INTERIOR_TABLE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(start + 3);
  const pointers = start + (interior ? 12 : 8);
  if (pointers + 2 * count > usable) fail(`page ${number} claims more cells than fit`);
  const cells: number[] = [];
  for (let i = 0; i < count; i++) {
    const cell = view.getUint16(pointers + 2 * i);
    if (cell < pointers + 2 * count || cell >= usable) fail(`page ${number} points outside its cells`);
    cells.push(cell);
  }
  return { kind: interior ? 'interior' : 'leaf', bytes, cells, rightmost: interior ? view.getUint32(start + 8) : 0 };
}

/**
 * Calls `visit` with each row of the table rooted at `root` whose rowid is above `afterRowid`, in rowid
 * order. Subtrees whose rowids are all at or below it are never read: after the first read, a walk costs
 * the tree's depth plus the pages of the new rows.
 */
export async function walkTable(
  getPage: PageGetter,
  header: SqliteHeader,
  root: number,
  afterRowid: number,
  visit: (rowid: number, values: SqliteValue[]) => void,
): Promise<void> {
  const state: WalkState = { header, getPage, visited: new Set() };
  const walk = async (number: number, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) fail('the table b-tree is deeper than any real one');
    const node = tablePage(await page(state, number), number, header.usableSize);
    const bytes = node.bytes;
    if (node.kind === 'interior') {
      for (const cell of node.cells) {
        if (cell + 4 > header.usableSize) fail('a cell runs past its page');
        const child = new DataView(bytes.buffer, bytes.byteOffset + cell, 4).getUint32(0);
        const [key] = varint(bytes, cell + 4, header.usableSize);
        // The child holds rowids up to `key`: nothing new there when `key` is not above the last read.
        if (key > afterRowid) await walk(child, depth + 1);
      }
      await walk(node.rightmost, depth + 1);
      return;
    }
    for (const cell of node.cells) {
      const [size, afterSize] = varint(bytes, cell, header.usableSize);
      const [rowid, afterRowidAt] = varint(bytes, afterSize, header.usableSize);
      if (rowid <= afterRowid) continue;
      visit(rowid, decodeRecord(await payload(state, bytes, afterRowidAt, size)));
    }
  };
  await walk(root, 0);
}

/** The largest rowid in the table (0 when empty): the right edge of the tree, its depth in pages. */
export async function maxRowid(getPage: PageGetter, header: SqliteHeader, root: number): Promise<number> {
  const state: WalkState = { header, getPage, visited: new Set() };
  let number = root;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const node = tablePage(await page(state, number), number, header.usableSize);
    if (node.kind === 'interior') {
      number = node.rightmost;
      continue;
    }
    const last = node.cells[node.cells.length - 1];
    if (last === undefined) return 0;
    const [, afterSize] = varint(node.bytes, last, header.usableSize);
    return varint(node.bytes, afterSize, header.usableSize)[0];
  }
  fail('the table b-tree is deeper than any real one');
}

export interface TableSchema {
  readonly root: number;
  /** Column names in the order their values are stored. */
  readonly columns: readonly string[];
  /** The column that is the rowid itself (`INTEGER PRIMARY KEY`), stored as NULL; -1 when none. */
  readonly rowidColumn: number;
}

/** The tables of the schema (page 1's b-tree) by name. */
export async function readSchema(getPage: PageGetter, header: SqliteHeader): Promise<Map<string, TableSchema>> {
  const tables = new Map<string, TableSchema>();
  await walkTable(getPage, header, 1, 0, (_rowid, [type, name, , root, sql]) => {
    if (type !== 'table' || typeof name !== 'string' || typeof root !== 'number' || typeof sql !== 'string') return;
    const columns = tableColumns(sql);
    if (columns !== undefined) tables.set(name, { root, columns: columns.names, rowidColumn: columns.rowidColumn });
  });
  return tables;
}

/** Splits on commas outside parentheses and quotes. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '[') quote = ']';
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const TABLE_CONSTRAINT = /^(constraint|primary|unique|check|foreign)\b/i;

/**
 * Column names from a `CREATE TABLE` statement as SQLite stores it (columns added by `ALTER TABLE` are
 * appended to the text). Undefined for `WITHOUT ROWID` tables, whose pages are index b-trees.
 */
export function tableColumns(sql: string): { names: string[]; rowidColumn: number } | undefined {
  const open = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  if (open < 0 || close < open || /without\s+rowid\s*$/i.test(sql.slice(close + 1).trim())) return undefined;
  const names: string[] = [];
  let rowidColumn = -1;
  for (const part of topLevelParts(sql.slice(open + 1, close))) {
    const definition = part.trim();
    if (definition === '' || TABLE_CONSTRAINT.test(definition)) continue;
    const match = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|'([^']*)'|(\S+))\s*(.*)$/s.exec(definition);
    if (match === null) continue;
    names.push(match[1]?.replace(/""/g, '"') ?? match[2] ?? match[3] ?? match[4] ?? match[5] ?? '');
    if (/^integer\s+primary\s+key\b/i.test(match[6] ?? '')) rowidColumn = names.length - 1;
  }
  return { names, rowidColumn };
}
