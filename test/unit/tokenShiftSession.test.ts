import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RunSession } from '../../src/node/runSession';
import { waitFor } from './sessionWait';
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

test("the session's Tokens view: built from the least-loss and latest evaluations, reused until they change", async () => {
  const root = join(dir, 'ws');
  const run = join(root, 'sft');
  mkdirSync(join(run, 'eval_outputs'), { recursive: true });
  writeFileSync(join(run, 'eval_outputs', 'step-10.safetensors'), dump([0.5, 0.5, 0.5, 0.5], labels));
  writeFileSync(join(run, 'eval_outputs', 'step-20.safetensors'), dump([0.5, 2.5, 0.5, 1.5], [1, 9, 3, 9]));
  const session = new RunSession(() => undefined, new Map(), { cacheDirectory: join(root, '.cache'), workerScript: undefined });
  try {
    await session.watch([root]);
    await waitFor(session, () => {
      const view = session.tokens(run);
      return view !== null && !('refused' in view) && view.toStep === 20;
    });
    const view = session.tokens(run);
    assert.ok(view !== null && !('refused' in view));
    assert.deepEqual(
      view.rows.map((row) => [row.id, row.count, row.overconfidentTo]),
      [
        [2, 1, 1],
        [4, 1, 1],
        [1, 1, 0],
        [3, 1, 0],
      ],
    );
    assert.equal(session.tokens(run), view, 'asked again with nothing read since: the same view');
    writeFileSync(join(run, 'eval_outputs', 'step-30.safetensors'), dump([0.5, 0.5, 3, 0.5], [1, 2, 9, 4]));
    await waitFor(session, () => {
      const next = session.tokens(run);
      return next !== null && !('refused' in next) && next.toStep === 30;
    });
    const next = session.tokens(run);
    assert.ok(next !== null && !('refused' in next) && next.rows[0]?.id === 3);
  } finally {
    await session.dispose();
  }
});
