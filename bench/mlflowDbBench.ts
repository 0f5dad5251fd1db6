// mlflow.db: the cost of reading one committed row in a large store against a small one (1.0 = independent
// of the store's size), and the pool that scores evaluation files against a single worker.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MlflowDbReader } from '../src/node/mlflowDbReader';
import { EvalRunner, defaultPoolSize } from '../src/node/tokens/evalRunner';
import { predictionsSafetensors } from '../test/unit/tokenFiles';
import { type Row } from './timing';

const SCHEMA = [
  'CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), lifecycle_stage VARCHAR(20), CONSTRAINT run_pk PRIMARY KEY (run_uuid));',
  'CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32) NOT NULL, CONSTRAINT param_pk PRIMARY KEY (key, run_uuid));',
  "CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL, CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));",
  `INSERT INTO runs VALUES ('${'a'.repeat(32)}', 'run', 'active');`,
].join('\n');

function sqlite(db: string, sql: string): void {
  execFileSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()', db, sql]);
}

async function rowCost(dir: string, rows: number): Promise<{ ms: number; pages: number }> {
  mkdirSync(join(dir, `db-${rows}`), { recursive: true });
  const db = join(dir, `db-${rows}`, 'mlflow.db');
  sqlite(
    db,
    `${SCHEMA}\nWITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < ${rows - 1}) INSERT INTO metrics SELECT 'loss', 1.0 / (n + 1), 1700000000000 + n, '${'a'.repeat(32)}', n, 0 FROM s;`,
  );
  const reader = new MlflowDbReader(db);
  await reader.read();
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    sqlite(db, `INSERT INTO metrics VALUES ('loss', 0.5, ${1800000000000 + i}, '${'a'.repeat(32)}', ${rows + i}, 0);`);
    const start = performance.now();
    await reader.read();
    samples.push(performance.now() - start);
  }
  return { ms: samples.sort((a, b) => a - b)[samples.length >> 1] as number, pages: reader.lastPagesRead };
}

async function poolTime(files: readonly string[], size: number): Promise<number> {
  const runner = new EvalRunner(join(__dirname, '../../dist/evalWorker.js'), size);
  const start = performance.now();
  await Promise.all(files.map((file) => runner.run(file, { causalShift: false })));
  const ms = performance.now() - start;
  await runner.dispose();
  return ms;
}

export async function mlflowDbBench(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  if (spawnSync('python3', ['-c', 'import sqlite3']).status === 0) {
    const small = await rowCost(dir, 3_000);
    const large = await rowCost(dir, 300_000);
    rows.push([
      'one row committed to mlflow.db, read',
      `${small.ms.toFixed(1)} ms, ${small.pages} pages (3,000 rows) vs ${large.ms.toFixed(1)} ms, ${large.pages} pages (300,000 rows)`,
      `${(large.pages / small.pages).toFixed(2)}× the pages, ${(large.ms / small.ms).toFixed(2)}× the time (1.0 = independent of the store's size; re-read whole, the pages grow 100×)`,
    ]);
  } else rows.push(['one row committed to mlflow.db, read', 'skipped: python3 with sqlite3 not found', '']);
  if (existsSync(join(__dirname, '../../dist/evalWorker.js'))) {
    const folder = join(dir, 'pool', 'eval_outputs');
    mkdirSync(folder, { recursive: true });
    const files = Array.from({ length: 100 }, (_, i) => {
      const labels = Array.from({ length: 64 }, (_, b) => Array.from({ length: 1024 }, (_, t) => (b + t + i) % 1000));
      const path = join(folder, `step-${i + 1}.safetensors`);
      writeFileSync(path, predictionsSafetensors(labels, labels));
      return path;
    });
    const size = defaultPoolSize();
    const one = await poolTime(files, 1);
    const pool = await poolTime(files, size);
    rows.push([
      `100 evaluation files (65,536 tokens each) scored at once by the worker pool (${size} workers)`,
      `${pool.toFixed(0)} ms (one worker: ${one.toFixed(0)} ms)`,
      `${(one / pool).toFixed(2)}× one worker`,
    ]);
  }
  return rows;
}
