import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MAX_RECORD_TOKENS, type TokenRecords } from '../../src/core/tokens/tokenRecords';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import { reportPaths } from '../../src/node/reportPaths';
import { CACHE_VERSION, EvalCache, cacheKey, type FileIdentity } from '../../src/node/tokens/evalCache';
import type { EvalFileResult } from '../../src/node/tokens/evalFileStats';
import { RECORDS_HEADER_BYTES, decodeRecordsFile, encodeRecordsFile, recordsFileBytes, type RecordsRef } from '../../src/node/tokens/recordsFile';
import { compactSafetensors } from './tokenFiles';

const dir = mkdtempSync(join(tmpdir(), 'tal-records-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small deterministic generator: the offsets cut are the same at every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function records(tokens: number, probabilities = true): TokenRecords {
  const next = random(tokens);
  const ints = (scale: number): Int32Array => Int32Array.from({ length: tokens }, () => Math.floor(next() * scale));
  const base = { labels: ints(50_000), sequence: ints(100), position: ints(512) };
  if (!probabilities) return base;
  return { ...base, nll: Float32Array.from({ length: tokens }, () => next() * 5), confidence: Float32Array.from({ length: tokens }, () => next()) };
}

function result(step: number, kept: TokenRecords | undefined, aligned?: TokenRecords): EvalFileResult {
  const tokens = kept?.labels.length ?? 4;
  const summary: TokenSummary = { tokens, correct: 0, accuracy: 0 };
  const pairing = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;
  const scored = { alignment: 'compact', pairing, summary, correctness: new Uint8Array(tokens) };
  return {
    ...scored,
    step,
    problems: [],
    ...(kept === undefined ? {} : { records: kept }),
    ...(aligned === undefined ? {} : { aligned: { ...scored, correctness: new Uint8Array(aligned.labels.length), records: aligned } }),
  };
}

let sources = 0;
function source(): FileIdentity {
  const path = join(dir, `source-${sources++}.safetensors`);
  writeFileSync(path, `evaluation ${sources}`);
  const info = statSync(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

const whole = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

test('a records file round-trips every array, with and without probabilities, and is exactly its header and 12 or 20 bytes a token', () => {
  for (const probabilities of [true, false]) {
    const kept = records(1000, probabilities);
    const { parts, ref } = encodeRecordsFile(kept);
    const bytes = whole(parts);
    assert.equal(bytes.length, RECORDS_HEADER_BYTES + 1000 * (probabilities ? 20 : 12));
    assert.equal(bytes.length, recordsFileBytes(ref));
    assert.deepEqual(decodeRecordsFile(bytes, ref), kept);
  }
  const empty = encodeRecordsFile(records(0));
  assert.deepEqual(decodeRecordsFile(whole(empty.parts), empty.ref)?.labels.length, 0);
});

test('a records file cut short at any offset, with a corrupt header, another version or a changed byte is refused, never misread', () => {
  const { parts, ref } = encodeRecordsFile(records(257));
  const bytes = whole(parts);
  const next = random(7);
  for (let i = 0; i < 200; i++) {
    const cut = Math.floor(next() * bytes.length);
    assert.equal(decodeRecordsFile(bytes.slice(0, cut), ref), undefined, `cut at ${cut}`);
  }
  assert.equal(decodeRecordsFile(new Uint8Array(Buffer.concat([bytes, Buffer.alloc(4)])), ref), undefined, 'longer than its reference');
  const changed = (offset: number, value: number): Uint8Array => {
    const copy = bytes.slice();
    copy[offset] = value;
    return copy;
  };
  assert.equal(decodeRecordsFile(changed(0, 0x58), ref), undefined, 'magic');
  assert.equal(decodeRecordsFile(changed(8, 2), ref), undefined, 'version 2');
  assert.equal(decodeRecordsFile(changed(12, 0), ref), undefined, 'token count');
  assert.equal(decodeRecordsFile(changed(16, 0), ref), undefined, 'flags');
  assert.equal(decodeRecordsFile(changed(30, (bytes[30] as number) ^ 1), ref), undefined, 'digest in the header');
  for (let i = 0; i < 50; i++) {
    const offset = RECORDS_HEADER_BYTES + Math.floor(next() * (bytes.length - RECORDS_HEADER_BYTES));
    assert.equal(decodeRecordsFile(changed(offset, (bytes[offset] as number) ^ 0x10), ref), undefined, `a bit of the body at ${offset}`);
  }
  const other = encodeRecordsFile(records(257, true)).ref;
  assert.equal(decodeRecordsFile(bytes, { ...other, sha256: 'a'.repeat(64) }), undefined, "another write's digest");
});

test('a reference past MAX_RECORD_TOKENS is refused before anything is read', () => {
  const ref: RecordsRef = { tokens: MAX_RECORD_TOKENS + 1, probabilities: true, sha256: '0'.repeat(64) };
  assert.equal(decodeRecordsFile(new Uint8Array(recordsFileBytes(ref)), ref), undefined);
});

test('through the cache: records load lazily, a file cut short or gone loads nothing, a claim beyond the cap or of a huge file is not read', async () => {
  const folder = join(dir, 'cache');
  const cache = new EvalCache(folder);
  const file = source();
  const key = cacheKey([file], {});
  const kept = records(5000);
  const aligned = records(5100, false);
  await cache.set(key, [file], result(10, kept, aligned));
  assert.deepEqual(readdirSync(folder).sort(), [`${key}.aligned.records`, `${key}.json`, `${key}.records`]);
  assert.ok(statSync(join(folder, `${key}.json`)).size < 4000, 'the entry keeps the summary and a reference only');
  const read = await cache.get(key, [file]);
  assert.equal(read?.records, undefined);
  assert.deepEqual(await read?.recordsSource?.load(), kept);
  assert.deepEqual(await read?.aligned?.recordsSource?.load(), aligned);
  const path = join(folder, `${key}.records`);
  const full = readFileSync(path);
  const next = random(11);
  for (let i = 0; i < 20; i++) {
    const cut = Math.floor(next() * full.length);
    truncateSync(path, cut);
    assert.equal(await read?.recordsSource?.load(), undefined, `cut at ${cut}`);
    writeFileSync(path, full);
  }
  // The entry names 3,000,000 tokens and a file of that size is there (sparse): neither is read.
  const entry = readFileSync(join(folder, `${key}.json`), 'utf8');
  const claimed = entry.replace('"tokens":5000,"probabilities":true', `"tokens":${MAX_RECORD_TOKENS + 1_000_000},"probabilities":true`);
  assert.notEqual(claimed, entry);
  writeFileSync(join(folder, `${key}.json`), claimed);
  truncateSync(path, recordsFileBytes({ tokens: MAX_RECORD_TOKENS + 1_000_000, probabilities: true }));
  assert.equal((await cache.get(key, [file]))?.recordsSource, undefined, 'a reference past the cap is no reference');
  rmSync(path);
  writeFileSync(join(folder, `${key}.json`), entry);
  assert.equal(await (await cache.get(key, [file]))?.recordsSource?.load(), undefined, 'a file gone');
});

test("pruning counts an entry's records files in its size and removes them with it; a records file with no entry goes once old", async () => {
  const folder = join(dir, 'prune');
  const cache = new EvalCache(folder);
  const keys: string[] = [];
  for (let i = 0; i < 3; i++) {
    const file = source();
    const key = cacheKey([file], {});
    await cache.set(key, [file], result(i, records(10_000)));
    const used = new Date(Date.now() - (3 - i) * 60_000);
    utimesSync(join(folder, `${key}.json`), used, used);
    keys.push(key);
  }
  const entryBytes = statSync(join(folder, `${keys[0]}.json`)).size;
  const recordBytes = statSync(join(folder, `${keys[0]}.records`)).size;
  assert.ok(recordBytes > 10 * entryBytes);
  // Two entries fit by their JSON alone, but not with their records: the oldest two go, records and all.
  const limits = { maxBytes: 2 * entryBytes + recordBytes + 100, maxAgeMs: 24 * 60 * 60 * 1000 };
  assert.deepEqual(await cache.prune(limits), [keys[0], keys[1]].sort());
  assert.deepEqual(readdirSync(folder).sort(), [`${keys[2]}.json`, `${keys[2]}.records`]);
  writeFileSync(join(folder, `${'f'.repeat(40)}.records`), 'fresh: its entry may be written next');
  writeFileSync(join(folder, `${'e'.repeat(40)}.aligned.records`), 'left by a write that stopped');
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  utimesSync(join(folder, `${'e'.repeat(40)}.aligned.records`), old, old);
  assert.deepEqual(await cache.prune(limits), []);
  assert.ok(existsSync(join(folder, `${'f'.repeat(40)}.records`)));
  assert.ok(!existsSync(join(folder, `${'e'.repeat(40)}.aligned.records`)));
});

test('the report reads the records of the two evaluations it compares, from the cache when it was filled, and scores again for a records file lost', async () => {
  const run = join(dir, 'run');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  const labels = [1, 2, 3, 4, 5, 6];
  const evaluation = (logProb: number): Uint8Array =>
    compactSafetensors(
      labels,
      labels,
      labels.map(() => logProb),
      labels.map(() => logProb),
      [0, 0, 0, 1, 1, 1],
    );
  // Least loss at 100, latest 300: step 200, asked for, is one whose records the report does not hold.
  writeFileSync(join(run, 'eval_outputs', 'step-100.safetensors'), evaluation(-0.1));
  writeFileSync(join(run, 'eval_outputs', 'step-200.safetensors'), evaluation(-0.7));
  writeFileSync(join(run, 'eval_outputs', 'step-300.safetensors'), evaluation(-0.4));
  const cacheDirectory = join(dir, 'report-cache');
  const report = async () => {
    const document = await reportPaths([run], { cacheDirectory, workerScript: undefined }, { request: { steps: { from: 100, to: 200 } } });
    return document.runs[0]?.tokens;
  };
  const first = await report();
  assert.ok(first !== undefined && !('refused' in first), JSON.stringify(first));
  assert.equal(first.pairedPositions, 6);
  assert.equal(first.toStep, 200);
  assert.ok(Math.abs((first.totalNllChange ?? NaN) - 6 * 0.6) < 1e-5);
  assert.deepEqual(await report(), first, 'from the cache');
  for (const name of readdirSync(cacheDirectory)) if (name.endsWith('.records')) rmSync(join(cacheDirectory, name));
  assert.deepEqual(await report(), first, 'records files lost: scored again');
  assert.equal(readdirSync(cacheDirectory).filter((name) => name.endsWith('.records')).length, 2, 'the two compared, cached again; the third left alone');
});

test('an entry of another cache version goes at the next prune with its records files, though its source is unchanged and it was used today', async () => {
  const folder = join(dir, 'versions');
  const cache = new EvalCache(folder);
  const file = source();
  const key = cacheKey([file], {});
  await cache.set(key, [file], result(1, records(100)));
  const entry = join(folder, `${key}.json`);
  const text = readFileSync(entry, 'utf8');
  const previous = text.replace(`{"version":${CACHE_VERSION},`, `{"version":${CACHE_VERSION - 1},`);
  assert.notEqual(previous, text);
  assert.deepEqual(await cache.prune(), [], 'its own version is kept');
  writeFileSync(entry, previous);
  assert.deepEqual(await cache.prune(), [key]);
  assert.deepEqual(readdirSync(folder), []);
});
