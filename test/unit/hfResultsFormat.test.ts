import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { HF_RESULTS_FORMAT, parseHfResults } from '../../src/core/formats/hfResultsFormat';
import { sampleFiles, samplesSkipReason } from './helpers';

test('a results file: every number at step 0 with the epoch attached; strings and lists skipped; bare NaN read', () => {
  const result = parseHfResults(
    '{\n    "epoch": 2.0,\n    "eval_loss": NaN,\n    "perplexity": 6.0082,\n    "eval_runtime": 11.29,\n    "model": "x",\n    "scores": [1, 2]\n}',
  );
  assert.equal(result.kind, 'ok');
  if (result.kind !== 'ok') return;
  assert.deepEqual(
    result.points.map((point) => [point.key, point.step, point.value, point.epoch]),
    [
      ['eval_loss', 0, NaN, 2],
      ['perplexity', 0, 6.0082, 2],
      ['eval_runtime', 0, 11.29, 2],
    ],
  );
});

test('a results file caught empty or half-written is retried; one that is not an object is invalid', () => {
  assert.equal(parseHfResults('').kind, 'incomplete');
  assert.equal(parseHfResults('{"eval_loss": 1.7').kind, 'incomplete');
  assert.equal(parseHfResults('[1, 2]').kind, 'invalid');
});

test('results files belong to their output_dir and are final values', () => {
  assert.deepEqual(HF_RESULTS_FORMAT.classify('/w/out/all_results.json'), { format: 'hf-results', runDirectory: '/w/out' });
  assert.equal(HF_RESULTS_FORMAT.classify('/w/out/eval_results.json')?.format, 'hf-results');
  assert.equal(HF_RESULTS_FORMAT.classify('/w/out/final_eval_results.json')?.format, 'hf-results');
  assert.equal(HF_RESULTS_FORMAT.classify('/w/out/my_results.json'), undefined);
  assert.equal(HF_RESULTS_FORMAT.classify('/w/out/retrieval_results.json'), undefined);
  assert.equal(HF_RESULTS_FORMAT.finalValues, true);
});

test('the real results files: every key of the JSON, with its value', { skip: samplesSkipReason('hf_results') }, () => {
  const files = [...sampleFiles('hf_results', '_results.json'), ...sampleFiles('llamafactory', 'all_results.json')];
  assert.equal(files.length, 5);
  for (const path of files) {
    const bytes = new Uint8Array(readFileSync(path));
    const result = HF_RESULTS_FORMAT.kind === 'whole' ? HF_RESULTS_FORMAT.parse(bytes, path) : assert.fail('whole-file format');
    assert.equal(result.kind, 'ok', path);
    if (result.kind !== 'ok') continue;
    const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const expected = Object.entries(json).filter(([key, value]) => typeof value === 'number' && key !== 'epoch');
    assert.deepEqual(
      result.points.map((point) => [point.key, point.value]),
      expected,
      path,
    );
    assert.ok(result.points.every((point) => point.epoch === json['epoch']));
  }
});
