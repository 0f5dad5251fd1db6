import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import test from 'node:test';
import { TFEVENTS_FORMAT } from '../../src/core/formats/tfeventsFormat';
import type { MetricPoint } from '../../src/core/types';
import { readInChunks, readWhole } from './formatHarness';
import { sampleFiles, samplesSkipReason } from './helpers';

const skip = samplesSkipReason('tfevents');
const files = sampleFiles('tfevents', '').filter((path) => basename(path).includes('tfevents'));
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const file = (fragment: string): Uint8Array => read(files.find((path) => path.includes(fragment)) ?? assert.fail(`no sample ${fragment}`));
const values = (points: readonly MetricPoint[], key: string): Array<[number, number]> => points.filter((p) => p.key === key).map((p) => [p.step, p.value]);

/**
 * An independent reading of `simple_value` scalars: every `Value{tag, simple_value}` is the bytes
 * 0x0a <tag length> <tag> 0x15 <float32 LE>, found by scanning the raw file, with no framing or decoding.
 */
function scanSimpleValues(bytes: Uint8Array, tag: string): number[] {
  const needle = [0x0a, tag.length, ...new TextEncoder().encode(tag), 0x15];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length + 4 <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    found.push(view.getFloat32(i + needle.length, true));
  }
  return found;
}

test('every real events file reads with no problem, the same in random chunks as whole', { skip }, () => {
  assert.ok(files.length >= 7);
  for (const path of files) {
    const bytes = read(path);
    const whole = readWhole(TFEVENTS_FORMAT, bytes, path);
    assert.deepEqual(whole.problems, [], basename(path));
    assert.ok(whole.points.length > 0, basename(path));
    assert.deepEqual(readInChunks(TFEVENTS_FORMAT, bytes, [1, 7, 100, 3], path).points, whole.points);
    // Every simple_value in the file, found by scanning its bytes, is a point, in order.
    for (const tag of new Set(whole.points.map((point) => point.key))) {
      assert.deepEqual(
        whole.points.filter((point) => point.key === tag).map((point) => point.value),
        scanSimpleValues(bytes, tag),
        `${basename(path)} ${tag}`,
      );
    }
  }
});

test('the Keras 1 MNIST example: 20 epochs of acc/loss/val_acc/val_loss from step 0', { skip }, () => {
  const { points } = readWhole(TFEVENTS_FORMAT, file('keras-team'));
  assert.deepEqual(
    values(points, 'val_acc').map(([step]) => step),
    Array.from({ length: 20 }, (_, i) => i),
  );
  // Its first epoch, as the example's README shows it: acc 0.9405, val_acc 0.9674, val_loss 0.1220.
  assert.equal(values(points, 'acc')[0]?.[1], Math.fround(0.9405166506767273));
  assert.equal(values(points, 'val_acc')[0]?.[1], Math.fround(0.9674));
  assert.equal(values(points, 'val_loss')[0]?.[1], Math.fround(0.12197037041187286));
  assert.equal(points[0]?.wallTime, 1487804655.2274714);
});

test('an HF TensorBoardCallback file holds the float32 of every value its trainer_state.json logged', { skip }, () => {
  const { points } = readWhole(TFEVENTS_FORMAT, file('aryan1112003'));
  const state = JSON.parse(
    readFileSync(sampleFiles('trainer_state', 'aryan1112003__hate_speech_detection__trainer_state.json')[0] ?? assert.fail('no trainer state'), 'utf8'),
  ) as { log_history: Record<string, number>[] };
  const expected = (key: string): Array<[number, number]> =>
    state.log_history.filter((entry) => key in entry).map((entry) => [entry['step'] as number, Math.fround(entry[key] as number)]);
  // The trainer state is the run's first epoch (1,500 steps); the events file goes on to step 3,000.
  const upTo1500 = (key: string): Array<[number, number]> => values(points, key).filter(([step]) => step <= 1500);
  assert.equal(expected('loss').length, 150);
  assert.equal(values(points, 'train/loss').length, 300);
  assert.deepEqual(upTo1500('train/loss'), expected('loss'));
  assert.deepEqual(upTo1500('train/grad_norm'), expected('grad_norm'));
  assert.deepEqual(upTo1500('eval/loss'), expected('eval_loss'));
  assert.ok(!points.some((point) => point.key.includes('text_summary')));
});

test('Lightning: hp_metric at step 0, validation at the last batch of each epoch', { skip }, () => {
  const { points } = readWhole(TFEVENTS_FORMAT, file('1785441771.squirrels-iMac.local.1798.3'));
  assert.deepEqual(values(points, 'hp_metric'), [[0, -1]]);
  assert.deepEqual(
    values(points, 'val_loss').map(([step]) => step),
    [1718, 3437, 5156, 6875, 8594],
  );
});
