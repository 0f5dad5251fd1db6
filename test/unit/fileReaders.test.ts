import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReaders, type FileEntry } from '../../src/node/fileReaders';
import { FolderListings } from '../../src/node/folderListings';
import { EvaluationContext } from '../../src/node/tokens/evaluationContext';

test('a file keeps one reader; a path that is no log gets none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-readers-'));
  const evaluations = new EvaluationContext();
  t.after(async () => {
    rmSync(dir, { recursive: true });
    await evaluations.dispose();
  });
  const log = join(dir, 'metrics.jsonl');
  writeFileSync(log, '{"step": 1, "loss": 2}\n');
  const readers = new FileReaders(new FolderListings(), evaluations, {});
  const first = await readers.open(log);
  assert.equal(first?.runId, dir);
  assert.equal(await readers.open(log), first);
  assert.equal(readers.get(log), first);
  assert.equal(await readers.open(join(dir, 'notes.md')), undefined);
  readers.dispose();
});

test("a trainer state appearing beside a console log drops the log's reader, and a second look finds nothing more to drop", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-readers-'));
  const evaluations = new EvaluationContext();
  t.after(async () => {
    rmSync(dir, { recursive: true });
    await evaluations.dispose();
  });
  const consoleLog = join(dir, 'train.log');
  writeFileSync(consoleLog, "{'loss': 1.9963, 'epoch': 0.5}\n");
  const listings = new FolderListings();
  const readers = new FileReaders(listings, evaluations, {});
  const before = await readers.open(consoleLog);
  assert.equal(before?.plan.dependsOn, dir);
  const dropped: [string, FileEntry][] = [];
  await readers.replan(dir, (path, entry) => dropped.push([path, entry]));
  assert.equal(dropped.length, 0, 'nothing changed beside it: its reader stays');
  const state = join(dir, 'trainer_state.json');
  writeFileSync(state, '{"log_history": []}');
  listings.saw(state, 'file');
  await readers.replan(dir, (path, entry) => dropped.push([path, entry]));
  assert.deepEqual(dropped, [[consoleLog, before]]);
  assert.equal(readers.get(consoleLog), undefined);
  const after = await readers.open(consoleLog);
  assert.equal(after?.plan.readAs, 'console-metrics');
  await readers.replan(dir, (path, entry) => dropped.push([path, entry]));
  assert.equal(dropped.length, 1, 'the new plan depends on nothing: it is not planned again');
  readers.dispose();
});
