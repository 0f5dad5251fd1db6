import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import { classifyLogFile } from '../../src/core/formats/registry';
import { LogIngest } from '../../src/node/logIngest';
import { MlflowDbReader } from '../../src/node/mlflowDbReader';

/** MLflow's SQLAlchemy schema for the tables the reader touches (mlflow/store/tracking/dbmodels, alembic head). */
const SCHEMA = `
CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, name VARCHAR(256) NOT NULL UNIQUE, artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT, deleted_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER, CONSTRAINT run_pk PRIMARY KEY (run_uuid), FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));
CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL, CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));
CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL, CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid));
CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL, CONSTRAINT param_pk PRIMARY KEY (key, run_uuid));
CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000), run_uuid VARCHAR(32) NOT NULL, CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid));
INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1700000000000, 1700000000000);
`;

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const GONE = 'c'.repeat(32);

/** Runs SQL through Python's sqlite3 (the standard library), the way MLflow's SQLAlchemy store writes. */
function sqlite(db: string, sql: string): void {
  execFileSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()', db, sql]);
}

/** Metric rows as Python reads them back: an independent reader for the values the extension shows. */
function pythonRows(db: string): Array<[string, string, number, number | null, number]> {
  const script =
    'import json, sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nprint(json.dumps([list(r) for r in c.execute("SELECT m.run_uuid, m.key, m.step, CASE WHEN m.is_nan THEN NULL ELSE m.value END, m.timestamp FROM metrics m JOIN runs r USING (run_uuid) WHERE r.lifecycle_stage = \'active\' ORDER BY m.rowid")]))';
  return JSON.parse(execFileSync('python3', ['-c', script, db], { encoding: 'utf8' })) as Array<[string, string, number, number | null, number]>;
}

function metric(run: string, key: string, value: number, step: number, isNan = 0): string {
  return `INSERT INTO metrics VALUES ('${key}', ${value}, ${1700000000000 + step * 1000}, '${run}', ${step}, ${isNan});`;
}

function newStore(): { dir: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tal-mlflowdb-'));
  const db = join(dir, 'mlflow.db');
  const rows = [
    SCHEMA,
    `INSERT INTO runs (run_uuid, name, status, lifecycle_stage, experiment_id, start_time) VALUES ('${A}', 'bright-owl-7', 'RUNNING', 'active', 0, 1700000000000), ('${B}', 'calm-fox-2', 'FINISHED', 'active', 0, 1700000000000), ('${GONE}', 'deleted-run', 'FINISHED', 'deleted', 0, 1700000000000);`,
    `INSERT INTO params VALUES ('learning_rate', '3e-05', '${A}'), ('model', 'gpt2', '${A}'), ('epochs', '3', '${B}');`,
  ];
  for (let step = 0; step < 5; step++)
    rows.push(
      metric(A, 'eval_loss', 2 - step / 10, step * 100),
      metric(A, 'eval_mean_token_accuracy', 0.4 + step / 50, step * 100),
      metric(B, 'loss', 3 - step / 5, step * 10),
    );
  rows.push(metric(A, 'loss', 0, 300, 1), metric(B, 'grad_norm', 1.7976931348623157e308, 20), metric(B, 'loss', 2.5, 20), metric(GONE, 'loss', 9, 0));
  sqlite(db, rows.join('\n'));
  return { dir, db };
}

test('mlflow.db: each MLflow run is a run of its own, named, with its parameters; NaN, inf and repeated steps as MLflow means them', async () => {
  const { dir, db } = newStore();
  assert.deepEqual(classifyLogFile(db), { format: 'mlflow-db', runDirectory: db });
  assert.deepEqual(classifyLogFile('/w/mlruns.db'), { format: 'mlflow-db', runDirectory: '/w/mlruns.db' });
  assert.equal(classifyLogFile('/w/data/cache.db'), undefined);
  const ingest = new LogIngest();
  await ingest.ingest(db);
  assert.deepEqual(ingest.store.runIds(), [`${db}#${A}`, `${db}#${B}`]);
  const a = ingest.store.snapshot(`${db}#${A}`);
  assert.deepEqual(a?.metrics.get('eval_loss'), { steps: [0, 100, 200, 300, 400], values: [2, 1.9, 1.8, 1.7, 1.6] });
  assert.ok(Number.isNaN(a?.metrics.get('loss')?.values[0]));
  const b = ingest.store.snapshot(`${db}#${B}`);
  assert.deepEqual(b?.metrics.get('grad_norm'), { steps: [20], values: [Number.POSITIVE_INFINITY] });
  // Two rows for step 20: the one written last wins, as in MLflow's own history view.
  assert.equal(b?.metrics.get('loss')?.values[b.metrics.get('loss')?.steps.indexOf(20) ?? -1], 2.5);
  assert.deepEqual(ingest.runInfo(`${db}#${A}`), { name: 'bright-owl-7', parameters: { learning_rate: 3e-5, model: 'gpt2' } });
  assert.deepEqual(ingest.runInfo(`${db}#${B}`), { name: 'calm-fox-2', parameters: { epochs: 3 } });
  // Every value Python reads back is in the store at its (run, key, step), the last row for a step winning.
  const last = new Map(pythonRows(db).map(([run, key, step, value]) => [`${run}|${key}|${step}`, value]));
  assert.equal(last.size, 17);
  for (const [id, value] of last) {
    const [run = '', key = '', step = ''] = id.split('|');
    const series = ingest.store.snapshot(`${db}#${run}`)?.metrics.get(key);
    const stored = series?.values[series.steps.indexOf(Number(step))];
    if (value === null) assert.ok(Number.isNaN(stored), id);
    else assert.equal(stored === Number.POSITIVE_INFINITY ? 1.7976931348623157e308 : stored, value, id);
  }
  rmSync(dir, { recursive: true });
});

test('mlflow.db live: rows added by the writer arrive; an unchanged file costs a stat and changes nothing', async () => {
  const { dir, db } = newStore();
  const changes: string[] = [];
  const ingest = new LogIngest((ids) => changes.push(...ids));
  await ingest.ingest(db);
  changes.length = 0;
  await ingest.ingest(db);
  assert.deepEqual(changes, []);
  sqlite(
    db,
    [
      metric(A, 'eval_loss', 1.65, 500),
      metric(A, 'eval_mean_token_accuracy', 0.52, 500),
      `INSERT INTO runs (run_uuid, name, lifecycle_stage, experiment_id) VALUES ('${'d'.repeat(32)}', 'new-run', 'active', 0);`,
      metric('d'.repeat(32), 'loss', 4, 1),
    ].join('\n'),
  );
  await ingest.ingest(db);
  assert.deepEqual(ingest.store.snapshot(`${db}#${A}`)?.metrics.get('eval_loss')?.steps, [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(ingest.store.snapshot(`${db}#${'d'.repeat(32)}`)?.metrics.get('loss'), { steps: [1], values: [4] });
  assert.equal(ingest.runInfo(`${db}#${'d'.repeat(32)}`)?.name, 'new-run');
  assert.deepEqual([...new Set(changes)].sort(), [`${db}#${A}`, `${db}#${'d'.repeat(32)}`]);
  // The run written last is the active one: its newest row, not the database file's time, says so.
  assert.equal(ingest.runModifiedMs(`${db}#${A}`), 1700000000000 + 500 * 1000);
  assert.equal(ingest.runModifiedMs(`${db}#${B}`), 1700000000000 + 40 * 1000);
  rmSync(dir, { recursive: true });
});

test('a SQLite file named mlflow.db without the tables of MLflow is not a log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-mlflowdb-'));
  const db = join(dir, 'mlflow.db');
  sqlite(db, "CREATE TABLE notes (text VARCHAR(20)); INSERT INTO notes VALUES ('hello');");
  assert.equal((await new MlflowDbReader(db).read()).kind, 'not-a-log');
  rmSync(dir, { recursive: true });
});

test('mlflow.db cut short or with a damaged byte never throws and never hangs: the read is retried or reported', async () => {
  const { dir, db } = newStore();
  const bytes = readFileSync(db);
  const damaged = join(dir, 'damaged', 'mlflow.db');
  execFileSync('mkdir', ['-p', join(dir, 'damaged')]);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: bytes.length }),
      fc.integer({ min: 0, max: bytes.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      async (cut, at, byte) => {
        const copy = Buffer.from(bytes);
        copy[at] = byte;
        for (const variant of [bytes.subarray(0, cut), copy]) {
          writeFileSync(damaged, variant);
          const outcome = await new MlflowDbReader(damaged).read();
          assert.ok(['runs', 'retry', 'failed', 'not-a-log'].includes(outcome.kind), outcome.kind);
        }
      },
    ),
    { numRuns: 40 },
  );
  rmSync(dir, { recursive: true });
});

/**
 * Commits `sql` in WAL mode with checkpoints off and copies the database and its WAL while the connection is
 * still open, as a reader finds them beside a live writer (closing would checkpoint the WAL away).
 */
function walSnapshot(db: string, sql: readonly string[], into: string): void {
  const script = [
    'import shutil, sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'c.execute("PRAGMA journal_mode=WAL")',
    'c.execute("PRAGMA wal_autocheckpoint=0")',
    'for statement in sys.argv[3:]:',
    '    c.executescript(statement)',
    '    c.commit()',
    'shutil.copy(sys.argv[1], sys.argv[2])',
    'shutil.copy(sys.argv[1] + "-wal", sys.argv[2] + "-wal")',
  ].join('\n');
  execFileSync('python3', ['-c', script, db, into, ...sql]);
}

test('mlflow.db in WAL mode: committed rows still in mlflow.db-wal are read, and the user is told only mlflow.db is watched', async () => {
  const { dir, db } = newStore();
  const copy = join(dir, 'copy', 'mlflow.db');
  mkdirSync(join(dir, 'copy'));
  walSnapshot(db, [metric(A, 'eval_loss', 1.5, 500), `${metric(B, 'loss', 1.25, 30)}${metric(B, 'loss', 1.0, 40)}`], copy);
  assert.ok(readFileSync(`${copy}-wal`).length > 0, 'the rows are in the WAL');
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  await ingest.ingest(copy);
  assert.deepEqual(ingest.store.snapshot(`${copy}#${A}`)?.metrics.get('eval_loss')?.steps, [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(ingest.store.snapshot(`${copy}#${B}`)?.metrics.get('loss'), { steps: [0, 10, 20, 30, 40], values: [3, 2.8, 2.5, 1.25, 1] });
  assert.match(ingest.problems()[0]?.message ?? '', /WAL mode/);
  // Python, honouring the WAL, reads the same rows.
  const points = ingest.store
    .runIds()
    .reduce((sum, id) => sum + [...(ingest.store.snapshot(id)?.metrics.values() ?? [])].reduce((n, series) => n + series.steps.length, 0), 0);
  assert.equal(points, new Set(pythonRows(copy).map(([run, key, step]) => `${run}|${key}|${step}`)).size);
  rmSync(dir, { recursive: true });
});

test('mlflow.db in WAL mode: a WAL cut inside its last transaction gives the transactions before it', async () => {
  const { dir, db } = newStore();
  const copy = join(dir, 'mlflow.db.copy');
  walSnapshot(db, [metric(A, 'eval_loss', 1.5, 500), metric(A, 'eval_loss', 1.4, 600)], copy);
  const cut = join(dir, 'cut', 'mlflow.db');
  mkdirSync(join(dir, 'cut'));
  writeFileSync(cut, readFileSync(copy));
  const wal = readFileSync(`${copy}-wal`);
  writeFileSync(`${cut}-wal`, wal.subarray(0, wal.length - 100));
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  await ingest.ingest(cut);
  assert.deepEqual(ingest.store.snapshot(`${cut}#${A}`)?.metrics.get('eval_loss')?.steps, [0, 100, 200, 300, 400, 500]);
  rmSync(dir, { recursive: true });
});

/** Rows of one run in one transaction: enough of them make the metrics b-tree three levels deep. */
function manyRows(count: number, from = 0): string {
  return `WITH RECURSIVE s(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM s WHERE n < ${from + count - 1}) INSERT INTO metrics SELECT 'loss', 1.0 / (n + 1), 1700000000000 + n, '${A}', n, 0 FROM s;`;
}

test('mlflow.db live: a row added costs the pages on the right edge of the tables, the same for a store ten times larger', async () => {
  const pagesPerRow: number[] = [];
  for (const size of [5_000, 50_000]) {
    const { dir, db } = newStore();
    sqlite(db, manyRows(size, 1000));
    const reader = new MlflowDbReader(db);
    const first = await reader.read();
    assert.equal(first.kind, 'runs');
    const firstPages = reader.lastPagesRead;
    sqlite(db, metric(A, 'eval_loss', 1.25, size + 5000));
    const next = await reader.read();
    assert.ok(next.kind === 'runs');
    assert.deepEqual(
      next.runs.flatMap((run) => run.points.map((point) => [run.suffix, point.key, point.step, point.value])),
      [[A, 'eval_loss', size + 5000, 1.25]],
    );
    // Re-read whole, a row cost every page of the file; now a few pages, whatever the size.
    assert.ok(reader.lastPagesRead < 16, `${reader.lastPagesRead} pages for one row (first read: ${firstPages})`);
    assert.ok(firstPages > 10 * reader.lastPagesRead);
    pagesPerRow.push(reader.lastPagesRead);
    rmSync(dir, { recursive: true });
  }
  assert.ok((pagesPerRow[1] ?? Infinity) <= (pagesPerRow[0] ?? 0) + 2, `pages per row: ${pagesPerRow.join(' then ')}`);
});

test('mlflow.db in WAL mode: a WAL that grew between reads gives only the new rows, for a few pages', async () => {
  const { dir, db } = newStore();
  const stages = [join(dir, 'one'), join(dir, 'two')];
  for (const stage of stages) mkdirSync(stage);
  const script = [
    'import shutil, sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'c.execute("PRAGMA journal_mode=WAL")',
    'c.execute("PRAGMA wal_autocheckpoint=0")',
    `c.executescript(${JSON.stringify(manyRows(2000, 1000))}); c.commit()`,
    'for name in ("", "-wal"): shutil.copy(sys.argv[1] + name, sys.argv[2] + "/mlflow.db" + name)',
    `c.executescript(${JSON.stringify(metric(A, 'eval_loss', 1.25, 9000))}); c.commit()`,
    'for name in ("", "-wal"): shutil.copy(sys.argv[1] + name, sys.argv[3] + "/mlflow.db" + name)',
  ].join('\n');
  execFileSync('python3', ['-c', script, db, ...stages]);
  const live = join(dir, 'live');
  mkdirSync(live);
  const reader = new MlflowDbReader(join(live, 'mlflow.db'));
  for (const name of ['mlflow.db', 'mlflow.db-wal']) writeFileSync(join(live, name), readFileSync(join(stages[0] as string, name)));
  const first = await reader.read();
  assert.ok(first.kind === 'runs');
  assert.equal(first.runs.find((run) => run.suffix === A)?.points.length, 2000 + 11);
  for (const name of ['mlflow.db', 'mlflow.db-wal']) writeFileSync(join(live, name), readFileSync(join(stages[1] as string, name)));
  const second = await reader.read();
  assert.ok(second.kind === 'runs');
  assert.deepEqual(
    second.runs.flatMap((run) => run.points.map((point) => [point.key, point.step])),
    [['eval_loss', 9000]],
  );
  assert.ok(reader.lastPagesRead < 16, `${reader.lastPagesRead} pages`);
  rmSync(dir, { recursive: true });
});

test('mlflow.db from an old MLflow: rows written before a migration added `step` and `is_nan` read as step 0, as MLflow reads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-mlflowdb-'));
  const db = join(dir, 'mlflow.db');
  sqlite(
    db,
    [
      `CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), lifecycle_stage VARCHAR(20), "experiment_id" INTEGER, CONSTRAINT run_pk PRIMARY KEY (run_uuid));`,
      'CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, run_uuid, value));',
      `INSERT INTO runs VALUES ('${A}', 'old-run', 'active', 0);`,
      `INSERT INTO metrics VALUES ('loss', 2.5, 1600000000000, '${A}');`,
      "ALTER TABLE metrics ADD COLUMN step BIGINT DEFAULT '0' NOT NULL;",
      "ALTER TABLE metrics ADD COLUMN is_nan BOOLEAN DEFAULT '0' NOT NULL;",
      metric(A, 'loss', 0, 7, 1),
    ].join('\n'),
  );
  const outcome = await new MlflowDbReader(db).read();
  assert.ok(outcome.kind === 'runs');
  assert.deepEqual(
    outcome.runs[0]?.points.map((point) => [point.key, point.step, point.value]),
    [
      ['loss', 0, 2.5],
      ['loss', 7, NaN],
    ],
  );
  assert.deepEqual(outcome.runs[0]?.runInfo, { name: 'old-run' });
  rmSync(dir, { recursive: true });
});

test('mlflow.db replaced by another store (a new file in its place) is read again whole with that file\u2019s own tables', async () => {
  const { dir, db } = newStore();
  const reader = new MlflowDbReader(db);
  assert.equal((await reader.read()).kind, 'runs');
  // The same statements in another order: the same schema cookie, the tables at other pages.
  const statements = SCHEMA.trim().split('\n');
  const reordered = [statements[2], statements[5], statements[4], statements[3], statements[1], statements[0], statements[6]].join('\n');
  const other = join(dir, 'other.db');
  sqlite(
    other,
    `${reordered}\nINSERT INTO runs (run_uuid, name, lifecycle_stage, experiment_id) VALUES ('${B}', 'replacement', 'active', 0);\n${metric(B, 'loss', 0.75, 3)}`,
  );
  renameSync(other, db);
  const outcome = await reader.read();
  assert.ok(outcome.kind === 'runs', outcome.kind);
  assert.equal(outcome.replace, true);
  assert.deepEqual(
    outcome.runs.map((run) => [run.suffix, run.runInfo?.name, run.points.map((point) => [point.key, point.step, point.value])]),
    [[B, 'replacement', [['loss', 3, 0.75]]]],
  );
  rmSync(dir, { recursive: true });
});
