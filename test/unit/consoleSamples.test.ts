import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import test from 'node:test';
import { CONSOLE_FORMAT } from '../../src/core/formats/consoleFormat';
import { byKey, SAMPLES_DIR, sampleFiles, samplesSkipReason } from './helpers';
import { readInChunks, readWhole } from './formatHarness';

const skip = samplesSkipReason('console_logs');
const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

test("build-nanogpt's log.txt: every `<step> <kind> <value>` line, checked against a plain split of the file", { skip }, () => {
  const files = sampleFiles('console_logs', 'log.txt');
  assert.equal(files.length, 2);
  for (const path of files) {
    const bytes = bytesOf(path);
    assert.equal(CONSOLE_FORMAT.sniff?.(bytes.subarray(0, 65536)), 'log');
    const { points, problems } = readWhole(CONSOLE_FORMAT, bytes, path);
    assert.deepEqual(problems, []);
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' '));
    const expect = (kind: string): Array<[number, number]> => lines.filter((parts) => parts[1] === kind).map((parts) => [Number(parts[0]), Number(parts[2])]);
    assert.ok(expect('train').length > 19_000, basename(path));
    assert.deepEqual(byKey(points, 'train_loss'), expect('train'));
    assert.deepEqual(byKey(points, 'val_loss'), expect('val'));
    assert.deepEqual(byKey(points, 'hellaswag_accuracy'), expect('hella'));
    assert.equal(points.length, lines.length);
    assert.deepEqual(readInChunks(CONSOLE_FORMAT, bytes, [4093, 17, 65536], path).points, points);
  }
});

test('an HF/LLaMA-Factory console: the 48 printed train logs are the log_history of the same run, in order', { skip }, () => {
  const [path] = sampleFiles('console_logs', 'training_v3.log');
  const [statePath] = sampleFiles('trainer_state', 'agosalvez__tfm-lora-specialized-adapter__results__trainer_state.json');
  assert.ok(path !== undefined && statePath !== undefined);
  const bytes = bytesOf(path);
  assert.equal(CONSOLE_FORMAT.sniff?.(bytes.subarray(0, 65536)), 'log');
  const { points } = readWhole(CONSOLE_FORMAT, bytes, path);
  const history = (JSON.parse(readFileSync(statePath, 'utf8')) as { log_history: Record<string, number>[] }).log_history.filter((entry) => 'loss' in entry);
  assert.equal(history.length, 48);
  assert.deepEqual(
    byKey(points, 'loss'),
    history.map((entry, i) => [i + 1, entry['loss']]),
  );
  assert.deepEqual(
    byKey(points, 'grad_norm').map(([, value]) => value),
    history.map((entry) => entry['grad_norm']),
  );
  // The final summary dict, and its rounded repeat in the `***** train metrics *****` block, count once.
  assert.deepEqual(byKey(points, 'train_loss'), [[48, 0.19847503900527955]]);
  assert.deepEqual(byKey(points, 'train_runtime'), [[48, 1273.9239]]);
});

test("a W&B run's output.log: HF dicts between tqdm bars, and the eval metrics block", { skip: samplesSkipReason('wandb') }, () => {
  const path = join(SAMPLES_DIR, 'wandb/Nancy0209__Natural-Language-Processing-for-Online-Moderation/wandb/run-20240505_113706-pepl8n0h/files/output.log');
  const { points } = readWhole(CONSOLE_FORMAT, bytesOf(path), path);
  assert.deepEqual(byKey(points, 'loss'), [[1, 0.294]]);
  assert.deepEqual(byKey(points, 'train_loss'), [[1, 0.3197085608328169]]);
  assert.deepEqual(byKey(points, 'eval_accuracy'), [[1, 0.9029]]);
  assert.deepEqual(byKey(points, 'eval_loss'), [[1, 0.3257]]);
});
