import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TokenSummary } from '../../src/core/tokens/tokenStatistics';
import { EvalCache, cacheKey } from '../../src/node/tokens/evalCache';
import { EvalOutputsStore, type StoredEvaluation } from '../../src/node/tokens/evalOutputsStore';
import { computeEvalFile } from '../../src/node/tokens/evalFileStats';
import { compactSafetensors, predictionsSafetensors } from './tokenFiles';

const dir = mkdtempSync(join(tmpdir(), 'tal-token-records-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const folder = join(dir, name, 'eval_outputs');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'step-1.safetensors');
  writeFileSync(path, bytes);
  return path;
}

test("a compact dump's records: each scored token's label, sequence, place among its sequence's scored tokens, NLL and confidence", async () => {
  // Sequences 4, 4, 9, 9, 9, 2; the fourth token is ignored, so sequence 9's tokens are its 0th and 1st scored.
  const path = write(
    'compact',
    compactSafetensors([1, 2, 3, -100, 5, 6], [1, 0, 3, 0, 5, 0], [-0.1, -2, -0.2, 0, -0.3, -3], [-0.1, -0.5, -0.2, 0, -0.3, -0.4], [4, 4, 9, 9, 9, 2]),
  );
  const result = await computeEvalFile(path, {});
  if ('error' in result) assert.fail(result.error);
  const records = result.records;
  assert.ok(records !== undefined);
  assert.deepEqual([...records.labels], [1, 2, 3, 5, 6]);
  assert.deepEqual([...records.sequence], [4, 4, 9, 9, 2]);
  assert.deepEqual([...records.position], [0, 1, 0, 1, 0]);
  assert.deepEqual([...(records.nll ?? [])], [0.1, 2, 0.2, 0.3, 3].map(Math.fround));
  [0.1, 0.5, 0.2, 0.3, 0.4].forEach((m, i) => assert.ok(Math.abs((records.confidence?.[i] ?? NaN) - Math.exp(-m)) < 1e-6));
  assert.deepEqual([...result.correctness], [1, 0, 1, 1, 0]);
});

test('[batch, seq] predictions: a record is at its label’s column, under each pairing; predictions alone give no NLL', async () => {
  const path = write(
    'batch',
    predictionsSafetensors(
      [
        [7, 8, -100],
        [9, 10, 11],
      ],
      [
        [8, 0, 0],
        [10, 11, 0],
      ],
    ),
  );
  const result = await computeEvalFile(path, {});
  if ('error' in result) assert.fail(result.error);
  // Shifted: rows 0 and 1 of each sequence score the labels at columns 1 and 2 (the ignored one left out).
  assert.deepEqual([...(result.records?.labels ?? [])], [8, 10, 11]);
  assert.deepEqual([...(result.records?.sequence ?? [])], [0, 1, 1]);
  assert.deepEqual([...(result.records?.position ?? [])], [1, 1, 2]);
  assert.equal(result.records?.nll, undefined);
  assert.deepEqual([...(result.aligned?.records?.position ?? [])], [0, 1, 0, 1, 2]);
});

test('records go through the cache unchanged, in a file beside the entry read only when asked for', async () => {
  const path = write('cached', compactSafetensors([1, 2, 3], [1, 0, 3], [-0.1, -2, -0.2], [-0.1, -0.5, -0.2], [0, 0, 1]));
  const result = await computeEvalFile(path, {});
  if ('error' in result) assert.fail(result.error);
  const info = statSync(path);
  const files = [{ path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino }];
  const cache = new EvalCache(join(dir, 'cache'));
  const key = cacheKey(files, {});
  const written = await cache.set(key, files, result);
  assert.equal(written.records, result.records, 'the written result still holds its arrays');
  assert.deepEqual(await written.recordsSource?.load(), result.records);
  const read = await cache.get(key, files);
  assert.equal(read?.records, undefined, 'a cached result holds no records until they are loaded');
  assert.deepEqual(await read?.recordsSource?.load(), result.records);
  const bare = { ...result };
  delete (bare as { records?: unknown }).records;
  await cache.set(key, files, bare);
  const none = await cache.get(key, files);
  assert.equal(none?.step, 1);
  assert.equal(none?.recordsSource, undefined, 'an evaluation that kept no records has no records file');
});

test("the editor's store keeps records only for each run's latest and least-loss evaluations; the report's keeps all", () => {
  const records = { labels: Int32Array.from([1]), sequence: Int32Array.from([0]), position: Int32Array.from([0]) };
  const pairing = { form: 'compact', causalShift: false, causalShiftSource: 'metadata', ignoreIndex: -100, ignoreIndexSource: 'metadata' } as const;
  const evaluation = (step: number, meanNll: number, alignedNll?: number): StoredEvaluation => {
    const summary = { tokens: 1, correct: 1, accuracy: 1, probabilities: { meanNll } } as unknown as TokenSummary;
    const scored = { alignment: '', pairing, summary, correctness: Uint8Array.from([1]), records };
    return {
      ...scored,
      step,
      path: `/run/eval_outputs/step-${step}.safetensors`,
      problems: [],
      ...(alignedNll === undefined
        ? {}
        : { aligned: { ...scored, summary: { ...summary, probabilities: { meanNll: alignedNll } } as unknown as TokenSummary } }),
    };
  };
  const kept = (store: EvalOutputsStore): number[] => store.evaluations('run').flatMap((e) => (e.records === undefined ? [] : [e.step]));
  const compared = new EvalOutputsStore('compared');
  const all = new EvalOutputsStore();
  for (const store of [compared, all]) {
    store.set('run', evaluation(100, 2.0, 0.5));
    store.set('run', evaluation(200, 1.0, 3.0));
    store.set('run', evaluation(300, 1.5, 2.5));
    store.set('run', evaluation(400, 1.8, 2.8));
  }
  // Least shifted NLL at 200, least aligned at 100, latest 400: step 300 lets go of its records, aligned ones too.
  assert.deepEqual(kept(compared), [100, 200, 400]);
  assert.equal(compared.at('run', 300)?.aligned?.records, undefined);
  assert.equal(compared.at('run', 300)?.correctness.length, 1, 'everything else stays');
  assert.deepEqual(kept(all), [100, 200, 300, 400]);
});
