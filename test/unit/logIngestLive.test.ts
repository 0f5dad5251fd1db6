import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogIngest } from '../../src/node/logIngest';
import type { RunPart } from '../../src/node/sourceReader';

const part = (suffix: string, losses: readonly number[]): RunPart => ({
  suffix,
  points: losses.map((value, i) => ({ key: 'eval_loss', step: (i + 1) * 10, value })),
  runInfo: { name: `train.ipynb · ${suffix}` },
});

test('live runs: each feed gives all of a document’s runs, replacing what it gave before; closing drops them', () => {
  const changes: string[][] = [];
  const ingest = new LogIngest((ids) => changes.push([...ids]));
  const path = join(tmpdir(), 'nowhere', 'train.ipynb');
  ingest.feedLive(path, 'notebook', [part('cell-3', [2])], []);
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-3`]);
  assert.ok(ingest.runModifiedMs(`${path}#cell-3`) > 0);
  assert.equal(ingest.runInfo(`${path}#cell-3`)?.name, 'train.ipynb · cell-3');
  // Row by row: the second evaluation arrives, then a second cell trains and the first one's outputs are cleared.
  ingest.feedLive(path, 'notebook', [part('cell-3', [2, 1.5])], []);
  assert.deepEqual(ingest.store.snapshot(`${path}#cell-3`)?.metrics.get('eval_loss'), { steps: [10, 20], values: [2, 1.5] });
  ingest.feedLive(path, 'notebook', [part('cell-5', [3])], ['Cell 4: a table with no rows.']);
  assert.deepEqual(ingest.store.runIds(), [`${path}#cell-5`]);
  assert.deepEqual(ingest.problems(), [{ path, message: 'Cell 4: a table with no rows.' }]);
  const before = changes.length;
  ingest.feedLive(path, 'notebook', [part('cell-5', [3])], ['Cell 4: a table with no rows.']);
  assert.equal(changes.length, before, 'the same outputs again change nothing');
  ingest.endLive(path);
  assert.deepEqual(ingest.store.runIds(), []);
  assert.deepEqual(ingest.problems(), []);
  assert.deepEqual(changes.at(-1), [`${path}#cell-5`]);
  ingest.dispose();
});

test('live runs take the place of what the file on disk gave, and the file is read again when the document closes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-live-'));
  const file = join(dir, 'log.jsonl');
  writeFileSync(file, '{"step": 1, "loss": 3}\n');
  const ingest = new LogIngest();
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.runIds(), [dir]);
  // A source of several runs, as the file's reader named them: the live feed replaces the one it still has and drops the other.
  ingest.store.replaceSource(`${dir}#cell-1`, { path: file, format: 'jsonl' }, [{ key: 'loss', step: 1, value: 9 }]);
  ingest.store.replaceSource(`${dir}#cell-2`, { path: file, format: 'jsonl' }, [{ key: 'loss', step: 1, value: 8 }]);
  ingest.feedLive(file, 'jsonl', [part('cell-1', [1])], []);
  assert.deepEqual(ingest.store.runIds(), [dir, `${dir}#cell-1`]);
  assert.deepEqual([...(ingest.store.snapshot(`${dir}#cell-1`)?.metrics.keys() ?? [])], ['eval_loss']);
  // While the document is open, what is written to the file waits.
  appendFileSync(file, '{"step": 2, "loss": 2}\n');
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [1], values: [3] });
  ingest.endLive(file);
  assert.deepEqual(ingest.store.runIds(), [dir]);
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(dir)?.metrics.get('loss'), { steps: [1, 2], values: [3, 2] });
  ingest.dispose();
  rmSync(dir, { recursive: true });
});

test('a read of the file under way when the live feed starts adds nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-live-'));
  const file = join(dir, 'log.jsonl');
  writeFileSync(file, '{"step": 1, "loss": 3}\n');
  const ingest = new LogIngest();
  const reading = ingest.ingest(file);
  ingest.feedLive(file, 'jsonl', [part('cell-1', [1])], []);
  await reading;
  assert.deepEqual(ingest.store.runIds(), [`${dir}#cell-1`]);
  ingest.endLive(file);
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.runIds(), [dir]);
  ingest.dispose();
  rmSync(dir, { recursive: true });
});
