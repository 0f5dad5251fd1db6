import assert from 'node:assert/strict';
import test from 'node:test';
import { JSONL_FORMAT } from '../../src/core/formats/jsonlFormat';
import { classifyLogFile } from '../../src/core/formats/registry';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, readWhole } from './formatHarness';

const encoder = new TextEncoder();
const LOG = encoder.encode(
  Array.from({ length: 40 }, (_, i) => JSON.stringify({ step: i * 10, loss: 2 - i / 40, 'eval/accuracy': 0.3 + i / 100, note: 'é→✓' })).join('\n') + '\n',
);

test('JSONL read in random chunk sizes gives exactly the points of one read', () => {
  assert.equal(readWhole(JSONL_FORMAT, LOG).points.length, 80);
  assertChunkSizesDoNotMatter(JSONL_FORMAT, LOG);
});

test('JSONL cut anywhere never throws and keeps every complete line', () => {
  forEveryCut(JSONL_FORMAT, LOG, (result, cut) => {
    const completeLines = new TextDecoder().decode(LOG.subarray(0, cut)).split('\n').length - 1;
    assert.equal(result.points.length, completeLines * 2);
  });
});

test('JSONL with corrupted bytes never throws and keeps the lines it did not touch', () => {
  forEveryCorruptedByte(JSONL_FORMAT, LOG, (result) => {
    assert.ok(result.points.length >= 76, `only ${result.points.length} points survived one bad byte`);
  });
});

test('the registry sends each file to its reader and the run to its folder', () => {
  assert.deepEqual(classifyLogFile('/w/out/checkpoint-500/trainer_state.json'), { format: 'hf-trainer-state', runDirectory: '/w/out' });
  assert.deepEqual(classifyLogFile('/w/out/metrics.jsonl'), { format: 'jsonl', runDirectory: '/w/out' });
  assert.equal(classifyLogFile('/w/out/model.safetensors'), undefined);
  assert.equal(classifyLogFile('/w/node_modules/x/log.jsonl'), undefined);
});

test('logs saved flat, their folders folded into the name with __, are read as the runs they came from', () => {
  assert.deepEqual(classifyLogFile('/s/user__repo__checkpoint-100__trainer_state.json'), { format: 'hf-trainer-state', runDirectory: '/s/user/repo' });
  assert.deepEqual(classifyLogFile('/s/a__out__trainer_log.jsonl')?.runDirectory, '/s/a/out');
  assert.deepEqual(classifyLogFile('/s/b__out__trainer_log.jsonl')?.runDirectory, '/s/b/out', 'copies of two runs in one folder stay two runs');
  assert.equal(classifyLogFile('/s/u__r__runs__Nov02_21-48__events.out.tfevents.1698932980.host')?.runDirectory, '/s/u/r/runs/Nov02_21-48');
  assert.equal(
    classifyLogFile('/w/mlruns/0/0123456789abcdef0123456789abcdef/metrics/val__loss')?.runDirectory,
    '/w/mlruns/0/0123456789abcdef0123456789abcdef',
    "an MLflow key's own __ is not a folder",
  );
});
