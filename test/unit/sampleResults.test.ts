import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifyLogFile } from '../../src/core/formats/registry';
import { mcnemarExact } from '../../src/core/tokens/evaluationComparison';
import { pairSamples, readSampleResults, SAMPLE_KEYS } from '../../src/core/tokens/sampleResults';
import { reportPaths } from '../../src/node/reportPaths';
import { misleadingRunPoints } from '../fixtures/runs';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';

const REAL = join(SAMPLES_DIR, 'per_sample_eval', 'akanksha28pathak__SmolVLM_EndoscopyQA__eval_results.json');

test(
  "a real generation evaluation's per-sample results: every sample kept, its accuracy counted from `correct`",
  { skip: samplesSkipReason('per_sample_eval') },
  () => {
    const read = readSampleResults(readFileSync(REAL, 'utf8'), '/w/out/checkpoint-500/eval_outputs/eval_results.json', ['eval_outputs']);
    assert.ok(read.kind === 'ok');
    // Counted apart with python3: 4,201 of 5,000 records say "correct": true; (img_id, question) names 4,996 of them, 4 asked twice.
    assert.equal(read.results.step, 500);
    assert.equal(read.results.correct.size, 5000);
    assert.deepEqual(read.results.points, [
      { key: SAMPLE_KEYS.accuracy, step: 500, value: 4201 / 5000 },
      { key: SAMPLE_KEYS.samples, step: 500, value: 5000 },
    ]);
  },
);

test('per-sample results pair by sample, whatever their order, for the exact test', () => {
  const first = readSampleResults(
    JSON.stringify({
      step: 10,
      samples: [
        { id: 'a', correct: true },
        { id: 'b', correct: false },
        { id: 'c', correct: false },
        { id: 'd', correct: false },
        { id: 'e', correct: true },
      ],
    }),
    '/r/eval_outputs/final.json',
    ['eval_outputs'],
  );
  const second = readSampleResults(
    JSON.stringify({
      results: [
        { id: 'e', correct: true },
        { id: 'd', correct: true },
        { id: 'c', correct: true },
        { id: 'b', correct: true },
        { id: 'z', correct: false },
      ],
    }),
    '/r/eval_outputs/step-20.json',
    ['eval_outputs'],
  );
  assert.ok(first.kind === 'ok' && second.kind === 'ok');
  assert.equal(first.results.step, 10, 'the step from the file when its name has none');
  const paired = pairSamples(first.results.correct, second.results.correct);
  assert.deepEqual([...paired.first], [0, 0, 0, 1], 'b, c, d, e: a and z are in one evaluation only');
  assert.deepEqual([...paired.second], [1, 1, 1, 1]);
  // Three samples turned right and none wrong: p = 2 · (1/2)^3.
  const exact = mcnemarExact(paired.first, paired.second);
  assert.deepEqual([exact?.onlyFirst, exact?.onlySecond], [0, 3]);
  assert.ok(Math.abs((exact?.pValue ?? 0) - 0.25) < 1e-12, `p ${exact?.pValue}`);
  assert.deepEqual(readSampleResults('{"eval_loss": 1.5}', '/r/eval_outputs/step-1.json', ['eval_outputs']), { kind: 'not-samples' });
  assert.equal(readSampleResults('{"samples": [{"correct": true}]}', '/r/eval_outputs/final.json', ['eval_outputs']).kind, 'invalid', 'no step anywhere');
  assert.equal(readSampleResults('{"samples": [{"corr', '/r/eval_outputs/step-1.json', ['eval_outputs']).kind, 'incomplete');
  assert.deepEqual(
    classifyLogFile('/w/out/eval_outputs/eval_results.json'),
    { format: 'eval-outputs', runDirectory: '/w/out' },
    'not the run summary HF writes beside its output_dir',
  );
  assert.deepEqual(classifyLogFile('/w/out/eval_results.json')?.format, 'hf-results');
});

test('warning (a) is confirmed from per-sample results at the least-loss and last evaluations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-samples-confirm-'));
  try {
    const lines = misleadingRunPoints()
      .filter((point) => point.key !== 'loss')
      .reduce(
        (byStep, point) => byStep.set(point.step, { ...byStep.get(point.step), step: point.step, [point.key]: point.value }),
        new Map<number, Record<string, number>>(),
      );
    writeFileSync(join(dir, 'metrics.jsonl'), [...lines.values()].map((line) => JSON.stringify(line)).join('\n') + '\n');
    mkdirSync(join(dir, 'eval_outputs'));
    // 400 questions: 160 right at step 300, the same 160 and 40 more at step 1000 (written in reverse order).
    const samples = (right: number): { question: string; correct: boolean }[] =>
      Array.from({ length: 400 }, (_, i) => ({ question: `q${i}`, correct: i < right }));
    writeFileSync(join(dir, 'eval_outputs', 'step-300.json'), JSON.stringify({ total_samples: 400, per_sample_results: samples(160) }));
    writeFileSync(join(dir, 'eval_outputs', 'step-1000.json'), JSON.stringify({ total_samples: 400, per_sample_results: samples(200).reverse() }));
    const report = await reportPaths([dir]);
    const run = report.runs.find((candidate) => candidate.id === dir);
    assert.deepEqual(run?.metrics[SAMPLE_KEYS.accuracy], { steps: [300, 1000], values: [0.4, 0.5] });
    assert.equal(run?.roles.evalAccuracy, 'eval_mean_token_accuracy', 'a per-sample accuracy takes no token role');
    const warning = run?.warnings.find((candidate) => candidate.kind === 'misleading-loss');
    assert.equal(warning?.confidence, 'high');
    assert.match(warning?.message ?? '', /The per-sample results confirm it: 40 samples became right and 0 wrong \(McNemar p = 1\.8e-12\)\.$/);
    assert.equal(warning?.evidence['samplesNowRight'], 40);
    assert.equal(warning?.evidence['samplesNowWrong'], 0);
    assert.ok(Math.abs((warning?.evidence['pairedSampleTestP'] ?? 0) - 2 ** -39) < 1e-20);
    assert.deepEqual(report.problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
