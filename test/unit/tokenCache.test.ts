import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import { CACHE_VERSION, EvalCache, cacheKey, defaultCacheDirectory, type FileIdentity } from '../../src/node/tokens/evalCache';
import type { EvalFileResult } from '../../src/node/tokens/evalFileStats';

const dir = mkdtempSync(join(tmpdir(), 'tal-eval-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAY_MS = 24 * 60 * 60 * 1000;

function result(step: number, correctness: number[]): EvalFileResult {
  const right = correctness.filter((bit) => bit === 1).length;
  const summary: TokenSummary = { tokens: correctness.length, correct: right, accuracy: right / correctness.length };
  const pairing = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;
  return {
    step,
    alignment: 'compact; aligned (no shift), from metadata; ignore index -100, from metadata',
    pairing,
    summary,
    correctness: Uint8Array.from(correctness),
    problems: [],
  };
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
  const keptFile = source('kept.safetensors', 'aaaa');
  const kept = await entry(folder, keptFile, 100, 2);
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
  const read = await cache.get(kept, [keptFile]);
  assert.equal(read?.step, 100);
  assert.deepEqual([...(read?.correctness ?? [])], [1, 0, 1, 1, 0, 1, 1, 1, 0]);
  assert.ok(Date.now() - statSync(join(dir, 'a', `${kept}.json`)).mtimeMs < 60_000, 'a read marks the entry as used');
  assert.deepEqual(await cache.prune(), [], 'nothing more to prune');
});

test('pruning keeps the most recently used entries that fit the size limit', async () => {
  const folder = join(dir, 'b');
  const cache = new EvalCache(folder);
  const newestFile = source('n.safetensors', '1');
  const newest = await entry(folder, newestFile, 1, 1);
  const middle = await entry(folder, source('m.safetensors', '2'), 2, 3);
  const oldest = await entry(folder, source('o.safetensors', '3'), 3, 5);
  const size = statSync(join(dir, 'b', `${newest}.json`)).size;
  assert.deepEqual(await cache.prune({ maxBytes: 2 * size + 10, maxAgeMs: 30 * DAY_MS }), [oldest]);
  assert.ok(existsSync(join(dir, 'b', `${middle}.json`)) && existsSync(join(dir, 'b', `${newest}.json`)));
  assert.deepEqual(await cache.prune({ maxBytes: 2 * size + 10, maxAgeMs: 2 * DAY_MS }), [middle], 'unused for three days, over a two-day limit');
  assert.equal((await cache.get(newest, [newestFile]))?.step, 1);
  assert.deepEqual(await new EvalCache(join(dir, 'never-written')).prune(), []);
});

test('an entry planted with the right key and stat data but not computed from the file content is ignored', async () => {
  const folder = join(dir, 'planted');
  const file = source('planted.safetensors', 'the real evaluation');
  const key = cacheKey([file], {});
  const cache = new EvalCache(folder);
  assert.equal(await cache.refusal(), undefined);
  // What another user could write knowing only the stat data: the old layout, then one with a made-up fingerprint.
  const forged = JSON.stringify({ ...result(7, [1, 1, 1, 1]), correctness: 'Dw==', tokens: 4 });
  writeFileSync(join(folder, `${key}.json`), `${JSON.stringify({ version: CACHE_VERSION, files: [file] })}\n${forged}`);
  assert.equal(await cache.get(key, [file]), undefined, 'no fingerprint: ignored');
  writeFileSync(join(folder, `${key}.json`), `${JSON.stringify({ version: CACHE_VERSION, files: [{ ...file, fingerprint: 'f'.repeat(64) }] })}\n${forged}`);
  assert.equal(await cache.get(key, [file]), undefined, 'a wrong fingerprint: ignored');
  await cache.set(key, [file], result(3, [1, 0]));
  assert.equal((await cache.get(key, [file]))?.step, 3, 'its own entry is used');
  // The same size and time, other content (a copy that kept its time stamp): the entry no longer applies.
  writeFileSync(file.path, 'the fake evaluation');
  utimesSync(file.path, new Date(file.mtimeMs), new Date(file.mtimeMs));
  const copied = { ...file, ino: statSync(file.path).ino };
  assert.equal(await cache.get(cacheKey([copied], {}), [copied]), undefined);
});

test('writing an entry never follows a planted link: a .tmp or entry symlink leaves its target untouched', async () => {
  const folder = join(dir, 'links');
  mkdirSync(folder, { mode: 0o700 });
  const file = source('linked.safetensors', 'evaluation');
  const key = cacheKey([file], {});
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  symlinkSync(victim, join(folder, `${key}.json.tmp`));
  const cache = new EvalCache(folder);
  await cache.set(key, [file], result(5, [1]));
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal((await cache.get(key, [file]))?.step, 5);
  // An entry that is itself a link is not read.
  const other = source('other.safetensors', 'evaluation 2');
  const otherKey = cacheKey([other], {});
  symlinkSync(join(folder, `${key}.json`), join(folder, `${otherKey}.json`));
  assert.equal(await cache.get(otherKey, [other]), undefined);
  await cache.set(otherKey, [other], result(6, [0]));
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal((await cache.get(key, [file]))?.step, 5, 'the link was replaced, not written through');
  assert.equal((await cache.get(otherKey, [other]))?.step, 6);
});

test(
  "a cache folder other users can write to is closed to them, a link is not used; the default folder is the user's own cache, made private",
  { skip: process.platform === 'win32' },
  async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const file = source('shared.safetensors', 'evaluation');
    const cache = new EvalCache(shared);
    assert.equal(await cache.refusal(), undefined);
    assert.equal(statSync(shared).mode & 0o777, 0o700);
    const linked = join(dir, 'linked-cache');
    symlinkSync(shared, linked);
    const throughLink = new EvalCache(linked);
    assert.match((await throughLink.refusal()) ?? '', /not a folder \(a link or a file\)/);
    await throughLink.set(cacheKey([file], {}), [file], result(1, [1]));
    assert.deepEqual(readdirSync(shared), []);
    const home = join(dir, 'xdg');
    const chosen = defaultCacheDirectory({ XDG_CACHE_HOME: home }, 'linux');
    assert.equal(chosen, join(home, 'token-accuracy-lens', 'eval-cache'));
    assert.equal(defaultCacheDirectory({ XDG_CACHE_HOME: 'relative' }, 'linux').includes(tmpdir()), false);
    assert.equal(await new EvalCache(chosen).refusal(), undefined);
    assert.equal(statSync(chosen).mode & 0o777, 0o700);
  },
);
