import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RunSession } from '../../src/node/runSession';
import { compactSafetensors } from './tokenFiles';

const dir = mkdtempSync(join(tmpdir(), 'tal-token-session-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const labels = [1, 2, 3, 4];
const dump = (nll: readonly number[], predictions: readonly number[]): Uint8Array =>
  compactSafetensors(
    labels,
    predictions,
    nll.map((value) => -value),
    [-0.1, -0.1, -0.1, -0.1],
    [0, 0, 1, 1],
  );

/** Until `check` holds: the session reads files as its watcher sees them. */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the session never showed it');
}

test("the session's Tokens view: from the least-loss and latest evaluations, its text from the run's tokenizer, reused until they change", async () => {
  const root = join(dir, 'ws');
  const run = join(root, 'sft');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  writeFileSync(join(run, 'eval_outputs', 'step-10.safetensors'), dump([0.5, 0.5, 0.5, 0.5], labels));
  writeFileSync(join(run, 'eval_outputs', 'step-20.safetensors'), dump([0.5, 2.5, 0.5, 1.5], [1, 9, 3, 9]));
  const vocab = { a: 1, b: 2, c: 3, d: 4 };
  writeFileSync(
    join(run, 'tokenizer.json'),
    JSON.stringify({ added_tokens: [], decoder: { type: 'Fuse' }, model: { type: 'WordLevel', vocab, unk_token: 'a' } }),
  );
  const session = new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined });
  try {
    await session.watch([root]);
    const view = await until(async () => {
      const found = await session.tokens(run);
      return found !== null && !('refused' in found) && found.toStep === 20 ? found : undefined;
    });
    assert.deepEqual(
      view.rows.map((row) => [row.id, row.text, row.count, row.overconfidentTo]),
      [
        [2, 'b', 1, 1],
        [4, 'd', 1, 1],
        [1, 'a', 1, 0],
        [3, 'c', 1, 0],
      ],
    );
    assert.deepEqual(
      view.rows[0]?.contexts[0]?.tokens.map((token) => token.text),
      ['a', 'b'],
      'contexts decoded too',
    );
    assert.equal(await session.tokens(run), view, 'asked again with nothing read since: the same view');
    writeFileSync(join(run, 'eval_outputs', 'step-30.safetensors'), dump([0.5, 0.5, 3, 0.5], [1, 2, 9, 4]));
    const next = await until(async () => {
      const found = await session.tokens(run);
      return found !== null && !('refused' in found) && found.toStep === 30 ? found : undefined;
    });
    assert.equal(next.rows[0]?.id, 3);
  } finally {
    await session.dispose();
  }
});

test("a run's tokenizer problems are the session's problems once its Tokens view is asked for, and go when the file is fixed", async () => {
  const root = join(dir, 'bad-tokenizer');
  const run = join(root, 'sft');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  writeFileSync(join(run, 'eval_outputs', 'step-10.safetensors'), dump([0.5, 0.5, 0.5, 0.5], labels));
  writeFileSync(join(run, 'eval_outputs', 'step-20.safetensors'), dump([0.5, 2.5, 0.5, 1.5], [1, 9, 3, 9]));
  const tokenizer = join(run, 'tokenizer.json');
  writeFileSync(tokenizer, '{"model": ');
  const session = new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined });
  const heard: (readonly string[])[] = [];
  session.onRunsChanged((ids) => heard.push(ids));
  try {
    await session.watch([root]);
    const view = await until(async () => {
      const found = await session.tokens(run);
      return found !== null && !('refused' in found) && found.toStep === 20 ? found : undefined;
    });
    assert.equal(view.rows[0]?.text, null, 'ids shown as ids');
    const problems = session.problems().filter((problem) => problem.path === tokenizer);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /not valid JSON/);
    // Another problem with the file: the views hear of it (with whatever runs changed meanwhile).
    writeFileSync(tokenizer, '{}');
    const before = heard.length;
    await session.tokens(run);
    const changed = session.problems().find((problem) => problem.path === tokenizer)?.message;
    assert.ok(changed !== undefined && !/not valid JSON/.test(changed), changed);
    await until(async () => (heard.length > before ? true : undefined));
    const vocab = { a: 1, b: 2, c: 3, d: 4 };
    writeFileSync(tokenizer, JSON.stringify({ added_tokens: [], decoder: { type: 'Fuse' }, model: { type: 'WordLevel', vocab, unk_token: 'a' } }));
    await session.tokens(run);
    assert.deepEqual(
      session.problems().filter((problem) => problem.path === tokenizer),
      [],
    );
  } finally {
    await session.dispose();
  }
});

test("a session that finds its evaluations cached reads the compared two's records from the cache and shows the same view", async () => {
  const root = join(dir, 'cached');
  const run = join(root, 'sft');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  writeFileSync(join(run, 'eval_outputs', 'step-10.safetensors'), dump([0.5, 0.5, 0.5, 0.5], labels));
  writeFileSync(join(run, 'eval_outputs', 'step-20.safetensors'), dump([0.5, 2.5, 0.5, 1.5], [1, 9, 3, 9]));
  const views = [];
  for (let i = 0; i < 2; i++) {
    const session = new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined });
    try {
      await session.watch([root]);
      views.push(
        await until(async () => {
          const found = await session.tokens(run);
          return found !== null && !('refused' in found) && found.toStep === 20 ? found : undefined;
        }),
      );
    } finally {
      await session.dispose();
    }
  }
  assert.equal(views[1]?.rows.length, 4);
  assert.deepEqual(views[1], views[0]);
});
