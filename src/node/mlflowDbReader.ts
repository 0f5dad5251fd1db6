import { stat, type FileHandle } from 'node:fs/promises';
import { MLFLOW_DB_FORMAT, mlflowDbValue } from '../core/formats/mlflowDbFormat';
import type { RunInfo } from '../core/formats/logFormat';
import {
  maxRowid,
  readSchema,
  readSqliteHeader,
  SqliteFormatError,
  walkTable,
  type SqliteHeader,
  type SqliteValue,
  type TableSchema,
} from '../core/formats/sqliteBtree';
import { WAL_HEADER_BYTES, WalIndex } from '../core/formats/sqliteWal';
import type { MetricPoint } from '../core/types';
import { openRegularFile, readHandleRange } from './fileRange';
import { describeReadError, type ReadOutcome, type RunPart, type SourceReader } from './sourceReader';

interface RunRow {
  readonly name: string | undefined;
  readonly deleted: boolean;
}

/** Database pages are read in blocks this large (a real tree's neighbouring leaves are mostly neighbours on disk). */
const BLOCK_BYTES = 256 * 1024;
/** Blocks kept during one read: a first read of a large store streams through them. */
const BLOCKS_KEPT = 64;
/** WAL bytes checked per read call. */
const WAL_CHUNK_BYTES = 1024 * 1024;

/** Pages of one read: from the WAL's committed frames first, else from the database file. */
class PageSource {
  private readonly blocks = new Map<number, Uint8Array>();
  readonly pageCount: number;
  /** Pages fetched, for tests and benchmarks of the cost of a read. */
  pagesRead = 0;

  constructor(
    private readonly db: FileHandle,
    dbSize: number,
    readonly pageSize: number,
    private readonly wal: { readonly handle: FileHandle; readonly index: WalIndex } | undefined,
  ) {
    this.pageCount = wal !== undefined && wal.index.pages > 0 ? wal.index.pages : Math.floor(dbSize / pageSize);
  }

  readonly get = async (page: number): Promise<Uint8Array> => {
    if (page > this.pageCount) throw new SqliteFormatError(`page ${page} is past the end of the database`);
    this.pagesRead++;
    const inWal = this.wal?.index.committed.get(page);
    if (inWal !== undefined && this.wal !== undefined) return readHandleRange(this.wal.handle, inWal, inWal + this.pageSize);
    const start = (page - 1) * this.pageSize;
    const block = Math.floor(start / BLOCK_BYTES);
    let bytes = this.blocks.get(block);
    if (bytes === undefined) {
      bytes = await readHandleRange(this.db, block * BLOCK_BYTES, (block + 1) * BLOCK_BYTES);
      if (this.blocks.size >= BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value as number);
      this.blocks.set(block, bytes);
    }
    const offset = start - block * BLOCK_BYTES;
    return bytes.subarray(offset, offset + this.pageSize);
  };
}

function text(value: SqliteValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function number(value: SqliteValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? Number.NaN);
}

function parameter(value: string): string | number | boolean {
  const parsed = Number(value);
  return value.trim() !== '' && Number.isFinite(parsed) ? parsed : value;
}

/** Column positions of the tables read, from the schema's own `CREATE TABLE` text (MLflow's migrations added columns over time). */
interface Layout {
  /** The database file and its schema cookie: another file in its place, or a new schema, is read again. */
  readonly key: string;
  readonly metrics: TableSchema;
  readonly runs: TableSchema;
  readonly params: TableSchema | undefined;
}

function column(table: TableSchema, name: string): (values: readonly SqliteValue[], rowid: number) => SqliteValue | undefined {
  const index = table.columns.indexOf(name);
  // A row written before its column was added has no value for it: undefined, as its default is for the columns read here.
  return (values, rowid) => (index < 0 ? undefined : index === table.rowidColumn ? rowid : values[index]);
}

/** What one read found, applied to the reader only once the file proved unchanged through it. */
interface ReadState {
  lastRowid: number;
  lastParamRowid: number;
  readonly runs: Map<string, RunRow>;
  readonly runWritten: Map<string, number>;
}

/**
 * Reads an MLflow SQLite store page by page, from the b-trees of its tables: no SQLite engine, no copy of
 * the file in memory. Each change costs a stat (nothing more when the file is as it was), then the pages
 * on the right edge of `metrics` and `params` (rows MLflow only inserts, so those after the last rowid read
 * are the new ones), and the `runs` table (names and deleted runs; one small row per run). A read whose
 * files changed under it (a journal appeared, the database or its WAL was written) is thrown away and
 * retried rather than risking a half-written page. A store whose rows went back (rebuilt, or rows
 * deleted) is read again whole. In WAL mode the committed frames of `mlflow.db-wal` are indexed as the WAL
 * grows and their pages read in place of the database's, so no committed row is missed; only mlflow.db
 * itself is watched, though, so the user is told that rows written to the WAL alone wait for the next
 * change to mlflow.db to show.
 */
export class MlflowDbReader implements SourceReader {
  private identity = '';
  private state: ReadState = { lastRowid: 0, lastParamRowid: 0, runs: new Map(), runWritten: new Map() };
  private layout: Layout | undefined;
  private wal: WalIndex | undefined;
  private modified = 0;
  /** Pages the last read fetched: the cost of a read, whatever the size of the file. */
  lastPagesRead = 0;

  constructor(readonly path: string) {}

  get format(): string {
    return MLFLOW_DB_FORMAT.id;
  }

  get modifiedMs(): number {
    return this.modified;
  }

  partModifiedMs(suffix: string): number | undefined {
    return this.state.runWritten.get(suffix);
  }

  async read(): Promise<ReadOutcome> {
    try {
      const before = await this.stamp();
      if (before === undefined) return { kind: 'retry', message: 'mlflow.db is in the middle of a write.' };
      if (before.identity === this.identity) return { kind: 'unchanged' };
      // Created but not written yet: read when it is.
      if (before.size === 0) return { kind: 'not-a-log' };
      let outcome: ReadOutcome;
      let next: ReadState;
      try {
        [outcome, next] = await this.readPages(before.size, before.ino);
      } catch (error) {
        if (!(error instanceof SqliteFormatError)) throw error;
        // A page caught mid-write reads as a damaged one; the writer will finish it.
        return { kind: 'retry', message: `mlflow.db could not be read (${error.message}).` };
      }
      const after = await this.stamp();
      if (after?.identity !== before.identity) return { kind: 'retry', message: 'mlflow.db changed while it was read.' };
      this.identity = before.identity;
      this.modified = before.mtimeMs;
      if (outcome.kind === 'runs') this.state = next;
      return outcome;
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
  }

  /** The database's and its WAL's identity; undefined while a rollback journal says a transaction is being written. */
  private async stamp(): Promise<{ identity: string; size: number; mtimeMs: number; ino: number } | undefined> {
    const info = await stat(this.path);
    if (await nonEmpty(`${this.path}-journal`)) return undefined;
    const wal = await stat(`${this.path}-wal`).catch(() => undefined);
    const walStamp = wal === undefined ? '' : `${wal.ino}:${wal.size}:${wal.mtimeMs}`;
    return { identity: `${info.ino}:${info.size}:${info.mtimeMs}:${walStamp}`, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
  }

  private async readPages(dbSize: number, ino: number): Promise<[ReadOutcome, ReadState]> {
    const db = await openRegularFile(this.path);
    let walHandle: FileHandle | undefined;
    try {
      walHandle = await openRegularFile(`${this.path}-wal`).catch(() => undefined);
      const wal = walHandle === undefined ? undefined : await this.indexWal(walHandle);
      const first = await readHandleRange(db, 0, 100);
      const fileHeader = readSqliteHeader(first);
      const pages = new PageSource(
        db,
        dbSize,
        fileHeader.pageSize,
        wal === undefined || walHandle === undefined || wal.pageSize !== fileHeader.pageSize ? undefined : { handle: walHandle, index: wal },
      );
      try {
        // Page 1 as the WAL has it carries the schema cookie of the newest commit.
        const header = readSqliteHeader(await pages.get(1));
        const layout = await this.readLayout(pages, header, `${ino}:${header.schemaCookie}`);
        if (layout === undefined) return [{ kind: 'not-a-log' }, this.state];
        const result = await this.readRows(pages, header, layout);
        const frames = wal?.committed.size ?? 0;
        const outcome = result[0];
        if (frames === 0 || outcome.kind !== 'runs') return result;
        return [{ ...outcome, problems: [...outcome.problems, WAL_MODE_MESSAGE] }, result[1]];
      } finally {
        this.lastPagesRead = pages.pagesRead;
      }
    } finally {
      await walHandle?.close();
      await db.close();
    }
  }

  /** The WAL's committed frames, checking only those appended since the last read (all of them after a restart of the WAL). */
  private async indexWal(handle: FileHandle): Promise<WalIndex | undefined> {
    const header = await readHandleRange(handle, 0, WAL_HEADER_BYTES);
    if (this.wal === undefined || !this.wal.sameHeader(header)) this.wal = WalIndex.open(header);
    const index = this.wal;
    if (index === undefined) return undefined;
    const size = (await handle.stat()).size;
    if (size < index.scanned) {
      this.wal = WalIndex.open(header);
      return this.wal === undefined ? undefined : this.indexWal(handle);
    }
    const chunk = Math.max(1, Math.floor(WAL_CHUNK_BYTES / index.frameBytes)) * index.frameBytes;
    while (index.scanned + index.frameBytes <= size) {
      const from = index.scanned;
      index.addFrames(await readHandleRange(handle, from, Math.min(size, from + chunk)));
      if (index.scanned === from) break;
    }
    return index;
  }

  private async readLayout(pages: PageSource, header: SqliteHeader, key: string): Promise<Layout | undefined> {
    if (this.layout?.key === key) return this.layout;
    const tables = await readSchema(pages.get, header);
    const metrics = tables.get('metrics');
    const runs = tables.get('runs');
    this.layout = metrics === undefined || runs === undefined ? undefined : { key, metrics, runs, params: tables.get('params') };
    return this.layout;
  }

  private async readRows(pages: PageSource, header: SqliteHeader, layout: Layout): Promise<[ReadOutcome, ReadState]> {
    const newest = await maxRowid(pages.get, header, layout.metrics.root);
    const replace = newest < this.state.lastRowid;
    const state: ReadState = replace
      ? { lastRowid: 0, lastParamRowid: 0, runs: new Map(), runWritten: new Map() }
      : { ...this.state, runs: new Map(this.state.runs), runWritten: new Map(this.state.runWritten) };
    const parts = new Map<string, { points: MetricPoint[]; runInfo?: RunInfo }>();
    const part = (uuid: string): { points: MetricPoint[]; runInfo?: RunInfo } => {
      let found = parts.get(uuid);
      if (found === undefined) parts.set(uuid, (found = { points: [] }));
      return found;
    };
    const runUuid = column(layout.runs, 'run_uuid');
    const runName = column(layout.runs, 'name');
    const stage = column(layout.runs, 'lifecycle_stage');
    await walkTable(pages.get, header, layout.runs.root, 0, (rowid, values) => {
      const uuid = text(runUuid(values, rowid));
      if (uuid === undefined) return;
      const run = { name: text(runName(values, rowid)), deleted: stage(values, rowid) === 'deleted' };
      const known = state.runs.get(uuid);
      state.runs.set(uuid, run);
      if (run.deleted) return;
      if (known === undefined || known.name !== run.name || known.deleted)
        part(uuid).runInfo = run.name === undefined || run.name === '' ? {} : { name: run.name };
    });
    if (layout.params !== undefined) await this.readParameters(pages, header, layout.params, state, part);
    const metricRun = column(layout.metrics, 'run_uuid');
    const key = column(layout.metrics, 'key');
    const value = column(layout.metrics, 'value');
    const timestamp = column(layout.metrics, 'timestamp');
    const step = column(layout.metrics, 'step');
    const isNan = column(layout.metrics, 'is_nan');
    await walkTable(pages.get, header, layout.metrics.root, state.lastRowid, (rowid, values) => {
      state.lastRowid = Math.max(state.lastRowid, rowid);
      const run = text(metricRun(values, rowid));
      const name = key(values, rowid);
      if (run === undefined || state.runs.get(run)?.deleted !== false || typeof name !== 'string') return;
      const written = number(timestamp(values, rowid));
      part(run).points.push({
        key: name,
        step: number(step(values, rowid) ?? 0),
        value: mlflowDbValue(number(value(values, rowid)), isNan(values, rowid) === 1),
        wallTime: written / 1000,
      });
      if (written > (state.runWritten.get(run) ?? 0)) state.runWritten.set(run, written);
    });
    const runs: RunPart[] = [...parts].map(([suffix, { points, runInfo }]) => (runInfo === undefined ? { suffix, points } : { suffix, points, runInfo }));
    return [{ kind: 'runs', runs, replace, problems: [] }, state];
  }

  /** Parameters are logged once each, at a run's start: only rows after the last one read. */
  private async readParameters(
    pages: PageSource,
    header: SqliteHeader,
    params: TableSchema,
    state: ReadState,
    part: (uuid: string) => { runInfo?: RunInfo },
  ): Promise<void> {
    const runUuid = column(params, 'run_uuid');
    const key = column(params, 'key');
    const value = column(params, 'value');
    const byRun = new Map<string, Record<string, string | number | boolean>>();
    await walkTable(pages.get, header, params.root, state.lastParamRowid, (rowid, values) => {
      state.lastParamRowid = Math.max(state.lastParamRowid, rowid);
      const uuid = runUuid(values, rowid);
      const name = key(values, rowid);
      if (typeof uuid !== 'string' || typeof name !== 'string' || state.runs.get(uuid)?.deleted !== false) return;
      let parameters = byRun.get(uuid);
      if (parameters === undefined) byRun.set(uuid, (parameters = {}));
      const raw = value(values, rowid);
      parameters[name] = parameter(text(raw) ?? String(raw));
    });
    for (const [uuid, parameters] of byRun) {
      const target = part(uuid);
      target.runInfo = { ...target.runInfo, parameters };
    }
  }
}

const WAL_MODE_MESSAGE =
  'mlflow.db is in WAL mode: the rows in mlflow.db-wal were read, but only mlflow.db is watched, so rows written since show when SQLite checkpoints them into mlflow.db or when the store is read again.';

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
