import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EVAL_OUTPUTS_FORMAT } from '../../src/core/tokens/evalOutputsFormat';
import { LogIngest } from '../../src/node/logIngest';
import { scoreAhead } from '../../src/node/tokens/evalOutputsReader';
import { EvaluationContext } from '../../src/node/tokens/evaluationContext';
import { EvalRunner } from '../../src/node/tokens/evalRunner';
import { predictionsSafetensors } from './tokenFiles';
import { REPO_ROOT } from './tokenPython';

const dir = mkdtempSync(join(tmpdir(), 'tal-eval-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const workerScript = join(REPO_ROOT, 'dist/evalWorker.js');
const skip = existsSync(workerScript) ? false : 'dist/evalWorker.js is built by `node scripts/build.mjs --tests`';

/** `count` small evaluations; file i has i + 1 of its 8 tokens right. */
function evaluations(name: string, count: number): string[] {
  const folder = join(dir, name, 'eval_outputs');
  mkdirSync(folder, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const labels = [[1, 2, 3, 4, 5, 6, 7, 8]];
    const predictions = [labels[0]?.map((label, t) => (t <= i % 8 ? label : 0)) ?? []];
    const path = join(folder, `step-${i + 1}.safetensors`);
    writeFileSync(path, predictionsSafetensors(labels, predictions));
    return path;
  });
}

test('the pool scores many files with at most its size of workers alive, reusing them from file to file', { skip }, async () => {
  const paths = evaluations('many', 40);
  const runner = new EvalRunner(workerScript, 2);
  try {
    const outcomes = await Promise.all(paths.map((path) => runner.run(path, { causalShift: false })));
    for (const [i, outcome] of outcomes.entries()) {
      assert.ok(!('error' in outcome), `file ${i}: ${'error' in outcome ? outcome.error : ''}`);
      assert.equal(outcome.step, i + 1);
      assert.equal(outcome.summary.correct, (i % 8) + 1);
    }
    // A worker per file started 40 threads; the pool starts two and keeps them.
    assert.equal(runner.stats.peak, 2);
    assert.equal(runner.stats.started, 2);
    assert.equal(runner.stats.alive, 2);
    // Files arriving one at a time go to a worker already running.
    for (const path of paths.slice(0, 5)) assert.ok(!('error' in (await runner.run(path, { causalShift: false }))));
    assert.equal(runner.stats.started, 2);
  } finally {
    await runner.dispose();
  }
  assert.equal(runner.stats.alive, 0);
});

test('a worker that dies takes only its own job: the queue goes on with a fresh one', { skip }, async () => {
  const [good] = evaluations('crash', 1);
  const crashing = join(dir, 'crash-worker.js');
  // The real worker, except that a job named crash-me ends its thread before the worker sees it.
  writeFileSync(
    crashing,
    `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (job) => { if (job.path.endsWith('crash-me.safetensors')) process.exit(3); }); require(${JSON.stringify(workerScript)});`,
  );
  const runner = new EvalRunner(crashing, 1);
  try {
    const [first, second] = await Promise.all([runner.run(join(dir, 'crash-me.safetensors'), {}), runner.run(good as string, { causalShift: false })]);
    assert.deepEqual(first, { error: 'The evaluation reader stopped (exit code 3).' });
    assert.ok(!('error' in second), 'error' in second ? second.error : '');
    assert.equal(runner.stats.started, 2);
  } finally {
    await runner.dispose();
  }
});

test('without a worker script the pool runs on this thread, its size at a time', async () => {
  const paths = evaluations('inline', 6);
  const runner = new EvalRunner(undefined, 2);
  const outcomes = await Promise.all(paths.map((path) => runner.run(path, { causalShift: false })));
  assert.deepEqual(
    outcomes.map((outcome) => ('error' in outcome ? outcome.error : outcome.summary.correct)),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal(runner.stats.started, 0);
});

test('files scored ahead of a one-by-one read keep both workers busy, and each file is scored once', { skip }, async () => {
  const paths = evaluations('ahead', 12);
  const context = new EvaluationContext({ options: { causalShift: false }, cacheDirectory: join(dir, 'ahead-cache'), workerScript });
  const runner = context.runner;
  const ingest = new LogIngest(undefined, { retryIncomplete: false, evaluations: context });
  try {
    for (const path of paths) void scoreAhead(path, EVAL_OUTPUTS_FORMAT, context);
    for (const path of paths) await ingest.ingest(path);
    assert.deepEqual(
      context.outputs.evaluations(join(dir, 'ahead')).map((read) => read.summary.correct),
      paths.map((_, i) => (i % 8) + 1),
    );
    assert.equal(runner.stats.jobs, paths.length, 'the read took the result scored ahead instead of scoring again');
    // Read one by one without scoring ahead, one worker would do all the work.
    assert.equal(runner.stats.peak, Math.min(2, runner.size));
  } finally {
    ingest.dispose();
    await context.dispose();
  }
});
