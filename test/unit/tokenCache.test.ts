import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import { EvalCache, cacheKey, type FileIdentity } from '../../src/node/tokens/evalCache';
import type { EvalFileResult } from '../../src/node/tokens/evalFileStats';

const dir = mkdtempSync(join(tmpdir(), 'tal-eval-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAY_MS = 24 * 60 * 60 * 1000;

function result(step: number, correctness: number[]): EvalFileResult {
  const right = correctness.filter((bit) => bit === 1).length;
  const summary: TokenSummary = { tokens: correctness.length, correct: right, accuracy: right / correctness.length };
  const pairing = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;
  return { step, alignment: 'compact; aligned (no shift), from metadata; ignore index -100, from metadata', pairing, summary, correctness: Uint8Array.from(correctness), problems: [] };
}

/** A source file written now, and its identity as the reader takes it. */
function source(name: string, content: string): FileIdentity {
  const path = join(dir, name);
  writeFileSync(path, content);
  const info = statSync(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

async function entry(directory: string, file: FileIdentity, step: number, usedDaysAgo = 0): Promise<string> {
  const cache = new EvalCache(directory);
  const key = cacheKey([file], {});
  await cache.set(key, [file], result(step, [1, 0, 1, 1, 0, 1, 1, 1, 0]));
  const used = new Date(Date.now() - usedDaysAgo * DAY_MS);
  utimesSync(join(directory, `${key}.json`), used, used);
  return key;
}

test('pruning drops entries whose files are gone, rewritten or long unused, older layouts and abandoned writes; the rest still reads', async () => {
  const folder = join(dir, 'a');
  const cache = new EvalCache(folder);
  const kept = await entry(folder, source('kept.safetensors', 'aaaa'), 100, 2);
  const deleted = await entry(folder, source('deleted.safetensors', 'bbbb'), 200);
  rmSync(join(dir, 'deleted.safetensors'));
  const rewritten = await entry(folder, source('rewritten.safetensors', 'cccc'), 300);
  writeFileSync(join(dir, 'rewritten.safetensors'), 'a longer evaluation');
  const stale = await entry(folder, source('stale.safetensors', 'dddd'), 400, 31);
  writeFileSync(join(dir, 'a', 'old.json'), JSON.stringify({ step: 1, correctness: '', tokens: 0 }));
  writeFileSync(join(dir, 'a', 'gone.json.tmp'), '{');
  utimesSync(join(dir, 'a', 'gone.json.tmp'), new Date(Date.now() - 2 * 60 * 60 * 1000), new Date(Date.now() - 2 * 60 * 60 * 1000));
  writeFileSync(join(dir, 'a', 'writing.json.tmp'), '{');
  assert.deepEqual(await cache.prune(), [deleted, 'old', rewritten, stale].sort());
  assert.deepEqual(readdirSync(join(dir, 'a')).sort(), [`${kept}.json`, 'writing.json.tmp'], 'a write in progress is left alone');
  const read = await cache.get(kept);
  assert.equal(read?.step, 100);
  assert.deepEqual([...(read?.correctness ?? [])], [1, 0, 1, 1, 0, 1, 1, 1, 0]);
  assert.ok(Date.now() - statSync(join(dir, 'a', `${kept}.json`)).mtimeMs < 60_000, 'a read marks the entry as used');
  assert.deepEqual(await cache.prune(), [], 'nothing more to prune');
});

test('pruning keeps the most recently used entries that fit the size limit', async () => {
  const folder = join(dir, 'b');
  const cache = new EvalCache(folder);
  const newest = await entry(folder, source('n.safetensors', '1'), 1, 1);
  const middle = await entry(folder, source('m.safetensors', '2'), 2, 3);
  const oldest = await entry(folder, source('o.safetensors', '3'), 3, 5);
  const size = statSync(join(dir, 'b', `${newest}.json`)).size;
  assert.deepEqual(await cache.prune({ maxBytes: 2 * size + 10, maxAgeMs: 30 * DAY_MS }), [oldest]);
  assert.ok(existsSync(join(dir, 'b', `${middle}.json`)) && existsSync(join(dir, 'b', `${newest}.json`)));
  assert.deepEqual(await cache.prune({ maxBytes: 2 * size + 10, maxAgeMs: 2 * DAY_MS }), [middle], 'unused for three days, over a two-day limit');
  assert.equal((await cache.get(newest))?.step, 1);
  assert.deepEqual(await new EvalCache(join(dir, 'never-written')).prune(), []);
});
