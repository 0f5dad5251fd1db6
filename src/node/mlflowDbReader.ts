import { readFile, stat } from 'node:fs/promises';
import { readRange } from './fileRange';
import type { Database, SqlValue } from 'sql.js';
import { MLFLOW_DB_FORMAT, mlflowDbValue } from '../core/formats/mlflowDbFormat';
import type { RunInfo } from '../core/formats/logFormat';
import { applyWal } from '../core/formats/sqliteWal';
import type { MetricPoint } from '../core/types';
import { loadSqlJs } from './sqlJs';
import { describeReadError, type ReadOutcome, type RunPart, type SourceReader } from './sourceReader';

interface RunRow {
  readonly name: string | undefined;
  readonly deleted: boolean;
}

const RUNS_QUERY = 'SELECT run_uuid, name, lifecycle_stage FROM runs';
/** Only rows added since the last read: `metrics` is a rowid table and MLflow only inserts into it. */
const METRICS_QUERY = 'SELECT rowid, run_uuid, key, value, timestamp, step, is_nan FROM metrics WHERE rowid > ? ORDER BY rowid';

function text(value: SqlValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function number(value: SqlValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? Number.NaN);
}

function parameter(value: string): string | number | boolean {
  const parsed = Number(value);
  return value.trim() !== '' && Number.isFinite(parsed) ? parsed : value;
}

/**
 * Reads an MLflow SQLite store. Each change costs a stat (nothing more when the file is as it was), then the
 * file's bytes and the metric rows added since the last read: `metrics` joined to `runs` by run uuid for
 * names, deleted runs left out. A journal beside the database means a transaction is being written: the
 * read is retried rather than risking a half-written page. A store whose rows went back (rebuilt, or rows
 * deleted) is read again whole. A store in WAL mode keeps its newest rows in `mlflow.db-wal` until a
 * checkpoint: they are laid over the database's pages before it is opened, so no committed row is missed.
 * Only mlflow.db itself is watched, though, so the user is told that rows written to the WAL alone wait for
 * the next checkpoint (or the next change to mlflow.db) to show.
 */
export class MlflowDbReader implements SourceReader {
  private identity = '';
  private lastRowid = 0;
  private paramCount = -1;
  private readonly runs = new Map<string, RunRow>();
  /** Each run's newest metric timestamp (ms): the run being trained is the one written last, not the file's mtime. */
  private readonly runWritten = new Map<string, number>();
  private modified = 0;

  constructor(readonly path: string) {}

  get format(): string {
    return MLFLOW_DB_FORMAT.id;
  }

  get modifiedMs(): number {
    return this.modified;
  }

  partModifiedMs(suffix: string): number | undefined {
    return this.runWritten.get(suffix);
  }

  async read(): Promise<ReadOutcome> {
    try {
      const info = await stat(this.path);
      if (await exists(`${this.path}-journal`)) return { kind: 'retry', message: 'mlflow.db is in the middle of a write.' };
      const wal = await walStamp(`${this.path}-wal`);
      const identity = `${info.ino}:${info.size}:${info.mtimeMs}:${wal}`;
      if (identity === this.identity) return { kind: 'unchanged' };
      const sql = await loadSqlJs();
      let db: Database;
      let walFrames = 0;
      try {
        const image = applyWal(await readFile(this.path), wal === '' ? new Uint8Array(0) : await readOptional(`${this.path}-wal`));
        walFrames = image.frames;
        db = new sql.Database(image.bytes);
      } catch (error) {
        return { kind: 'retry', message: `mlflow.db cannot be opened (${(error as Error).message}).` };
      }
      try {
        const outcome = this.query(db);
        this.identity = identity;
        this.modified = info.mtimeMs;
        if (walFrames === 0 || outcome.kind !== 'runs') return outcome;
        return { ...outcome, problems: [...outcome.problems, WAL_MODE_MESSAGE] };
      } catch (error) {
        // A page caught mid-write reads as a malformed database; the writer will finish it.
        return { kind: 'retry', message: `mlflow.db could not be read (${(error as Error).message}).` };
      } finally {
        db.close();
      }
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
  }

  private query(db: Database): ReadOutcome {
    const tables = db.exec("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'metrics')")[0]?.values[0]?.[0];
    if (tables !== 2) return { kind: 'not-a-log' };
    const maxRowid = number(db.exec('SELECT coalesce(max(rowid), 0) FROM metrics')[0]?.values[0]?.[0]);
    const replace = maxRowid < this.lastRowid;
    if (replace) this.lastRowid = 0;
    const parts = new Map<string, { points: MetricPoint[]; runInfo?: RunInfo }>();
    const part = (uuid: string): { points: MetricPoint[]; runInfo?: RunInfo } => {
      let found = parts.get(uuid);
      if (found === undefined) parts.set(uuid, (found = { points: [] }));
      return found;
    };
    for (const row of db.exec(RUNS_QUERY)[0]?.values ?? []) {
      const uuid = text(row[0]);
      if (uuid === undefined) continue;
      const run = { name: text(row[1]), deleted: row[2] === 'deleted' };
      const known = this.runs.get(uuid);
      this.runs.set(uuid, run);
      if (run.deleted) continue;
      if (known === undefined || known.name !== run.name || replace) part(uuid).runInfo = run.name === undefined || run.name === '' ? {} : { name: run.name };
    }
    this.readParameters(db, part);
    const statement = db.prepare(METRICS_QUERY);
    try {
      statement.bind([this.lastRowid]);
      while (statement.step()) {
        const [rowid, uuid, key, value, timestamp, step, isNan] = statement.get();
        this.lastRowid = Math.max(this.lastRowid, number(rowid));
        const run = text(uuid);
        if (run === undefined || this.runs.get(run)?.deleted !== false || typeof key !== 'string') continue;
        const written = number(timestamp);
        part(run).points.push({ key, step: number(step ?? 0), value: mlflowDbValue(number(value), isNan === 1), wallTime: written / 1000 });
        if (written > (this.runWritten.get(run) ?? 0)) this.runWritten.set(run, written);
      }
    } finally {
      statement.free();
    }
    const runs: RunPart[] = [...parts].map(([suffix, { points, runInfo }]) => (runInfo === undefined ? { suffix, points } : { suffix, points, runInfo }));
    return { kind: 'runs', runs, replace, problems: [] };
  }

  /** Parameters are logged at a run's start; they are read again only when their count changes. */
  private readParameters(db: Database, part: (uuid: string) => { runInfo?: RunInfo }): void {
    const count = number(db.exec('SELECT count(*) FROM params')[0]?.values[0]?.[0]);
    if (count === this.paramCount) return;
    this.paramCount = count;
    const byRun = new Map<string, Record<string, string | number | boolean>>();
    for (const [uuid, key, value] of db.exec('SELECT run_uuid, key, value FROM params')[0]?.values ?? []) {
      if (typeof uuid !== 'string' || typeof key !== 'string' || this.runs.get(uuid)?.deleted !== false) continue;
      let parameters = byRun.get(uuid);
      if (parameters === undefined) byRun.set(uuid, (parameters = {}));
      parameters[key] = parameter(text(value) ?? String(value));
    }
    for (const [uuid, parameters] of byRun) {
      const target = part(uuid);
      target.runInfo = { ...target.runInfo, parameters };
    }
  }
}

const WAL_MODE_MESSAGE =
  'mlflow.db is in WAL mode: the rows in mlflow.db-wal were read, but only mlflow.db is watched, so rows written since show when SQLite checkpoints them into mlflow.db or when the store is read again.';

/** Size and time of the WAL beside the database ('' when there is none): rows can change there alone. */
async function walStamp(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return '';
  }
}

async function readOptional(path: string): Promise<Uint8Array> {
  try {
    // Bounded reads of a regular file only: a FIFO named like the WAL would block its reader forever.
    return await readRange(path, 0, Number.MAX_SAFE_INTEGER);
  } catch {
    return new Uint8Array(0);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
