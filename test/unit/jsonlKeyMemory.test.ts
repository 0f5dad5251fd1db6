import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EMPTY_JSONL_CURSOR, readJsonlColumns } from '../../src/core/formats/jsonlFormat';

test("the keys a JSONL chunk's lines give do not keep the chunk's text alive", () => {
  // A key is kept as long as its run: as a slice of the chunk's text (any of 13 characters or more), it kept
  // the whole text (256 KiB a run in the extension, most of its heap with 1,000 runs).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const chunks = 60;
  const lines = 8000;
  const bytes = new TextEncoder().encode(
    Array.from({ length: lines }, (_, i) => `{"step": ${i + 1}, "learning_rate_of_group_0": ${(i / lines).toFixed(6)}}\n`).join(''),
  );
  gc();
  const before = process.memoryUsage().heapUsed;
  const keys: string[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    const { columns } = readJsonlColumns(EMPTY_JSONL_CURSOR, bytes);
    assert.equal(columns.columns[0]?.steps.length, lines);
    keys.push(...columns.columns.map((column) => column.key));
  }
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.deepEqual(new Set(keys), new Set(['learning_rate_of_group_0']));
  // Each chunk's text is 0.4 MB: sixty of them held would be 24 MB; the keys are a few kB.
  assert.ok(held < 4e6, `${(held / 1e6).toFixed(1)} MB held after the chunks were read`);
});
