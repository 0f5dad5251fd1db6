import assert from 'node:assert/strict';
import test from 'node:test';
import { CONSOLE_FORMAT, consoleFormat } from '../../src/core/formats/consoleFormat';
import { compileUserPatterns, parseNumber } from '../../src/core/formats/consoleLines';
import { classifyLogFile } from '../../src/core/formats/registry';
import { pointTuples, readWhole } from './formatHarness';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const read = (text: string): Array<[string, number, number]> => pointTuples(readWhole(CONSOLE_FORMAT, encode(text)).points);

test('HF printed dicts: 4.x numbers and 5.x quoted strings; train logs numbered, evals at the same number, epoch kept', () => {
  const log =
    [
      "{'loss': 2.0905, 'grad_norm': 1.95, 'learning_rate': 0.0005, 'epoch': 0.44}",
      "{'loss': '-0.1081', 'grad_norm': 'nan', 'learning_rate': '8e-06', 'epoch': '0.89'}",
      "{'eval_loss': 1.5, 'eval_thresholds': [0.5, 0.2], 'eval_runtime': 4.2, 'epoch': 0.89}",
      "{'train_runtime': 157.69, 'train_loss': 0.3197, 'epoch': 1.0}",
      "{'task': {'name': 'Text Classification'}, 'metrics': [{'name': 'Accuracy'}]}",
    ].join('\n') + '\n';
  const result = readWhole(CONSOLE_FORMAT, encode(log));
  assert.deepEqual(pointTuples(result.points), [
    ['loss', 1, 2.0905],
    ['grad_norm', 1, 1.95],
    ['learning_rate', 1, 0.0005],
    ['loss', 2, -0.1081],
    ['grad_norm', 2, NaN],
    ['learning_rate', 2, 8e-6],
    ['eval_loss', 2, 1.5],
    ['eval_runtime', 2, 4.2],
    ['train_runtime', 2, 157.69],
    ['train_loss', 2, 0.3197],
  ]);
  assert.deepEqual(
    result.points.map((point) => point.epoch),
    [0.44, 0.44, 0.44, 0.89, 0.89, 0.89, 0.89, 0.89, 1, 1],
  );
});

test('an HF metrics block: values at the last step, runtimes in seconds, total_flos from GiB, the dict before it keeps full precision', () => {
  const log =
    [
      "{'loss': 0.07, 'epoch': 20.0}",
      "{'train_runtime': 1273.9239, 'train_loss': 0.19847503900527955, 'epoch': 20.0}",
      '***** train metrics *****',
      '  epoch                    =       20.0',
      '  total_flos               =  9406556GF',
      '  train_loss               =     0.1985',
      '  train_runtime            = 0:21:13.92',
      '***** eval metrics *****',
      '  eval_accuracy           =     0.9029',
      '  eval_runtime            = 0:00:04.25',
      'Figure saved at: ./out/training_loss.png',
    ].join('\n') + '\n';
  assert.deepEqual(read(log), [
    ['loss', 1, 0.07],
    ['train_runtime', 1, 1273.9239],
    ['train_loss', 1, 0.19847503900527955],
    ['total_flos', 1, 9406556 * 2 ** 30],
    ['eval_accuracy', 1, 0.9029],
    ['eval_runtime', 1, 4.25],
  ]);
});

test('nanoGPT, build-nanogpt, modded-nanogpt, llm.c and torchtune lines carry their own steps', () => {
  const log =
    [
      'step 2000: train loss 1.7640, val loss 1.8852',
      'iter 0: loss 4.2649, time 29720.48ms, mfu -100.00%',
      'iter 10: loss 3.1, time 120.5ms, mfu 12.34%',
      '250 val 6.0727',
      '250 hella 0.2433',
      '251 train 5.998',
      'step   252 | loss: 5.9 | lr 8.3916e-07 | norm: 0.5 | dt: 226.26ms | tok/sec: 23176.78',
      'validation loss: 5.5',
      'step:0/5100 val_loss:16.0058 train_time:278ms step_avg:nanms',
      'step:1/5100 train_loss:16.0026 train_time:300ms step_avg:22.5ms',
      's:7 tel:10.968871',
      'Step 8 | loss:2.5 lr:1e-05 tokens_per_second_per_gpu:1234.5 ',
    ].join('\n') + '\n';
  assert.deepEqual(read(log), [
    ['train_loss', 2000, 1.764],
    ['val_loss', 2000, 1.8852],
    ['loss', 0, 4.2649],
    ['time_ms', 0, 29720.48],
    ['loss', 10, 3.1],
    ['time_ms', 10, 120.5],
    ['mfu', 10, 12.34],
    ['val_loss', 250, 6.0727],
    ['hellaswag_accuracy', 250, 0.2433],
    ['train_loss', 251, 5.998],
    ['loss', 252, 5.9],
    ['lr', 252, 8.3916e-7],
    ['norm', 252, 0.5],
    ['dt_ms', 252, 226.26],
    ['tok_per_sec', 252, 23176.78],
    ['val_loss', 252, 5.5],
    ['val_loss', 0, 16.0058],
    ['train_time', 0, 278],
    ['step_avg', 0, NaN],
    ['train_loss', 1, 16.0026],
    ['train_time', 1, 300],
    ['step_avg', 1, 22.5],
    ['val_loss', 7, 10.968871],
    ['loss', 8, 2.5],
    ['lr', 8, 1e-5],
    ['tokens_per_second_per_gpu', 8, 1234.5],
  ]);
});

test("tqdm's carriage returns split a line; the dict after a bar is read", () => {
  assert.deepEqual(read(" 10%|█         | 5/50 [00:01<00:09,  4.5it/s]\r{'loss': 1.25, 'epoch': 0.1}\r 12%|█▏        | 6/50 [00:01<00:09]\n"), [
    ['loss', 1, 1.25],
  ]);
});

test("the user's patterns: a named group step and named metric groups, tried before the built-in lines", () => {
  const { patterns, errors } = compileUserPatterns([
    '^epoch (?<step>\\d+) acc=(?<val_acc>[\\d.]+) loss=(?<val_loss>\\S+)',
    'no step (?<loss>\\d+)',
    '(unclosed',
  ]);
  assert.equal(patterns.length, 1);
  assert.equal(errors.length, 2);
  const format = consoleFormat(patterns);
  const log = encode('random preamble\nepoch 3 acc=0.71 loss=nan\n');
  assert.equal(format.sniff?.(log), 'log');
  assert.equal(CONSOLE_FORMAT.sniff?.(log), 'need-more');
  assert.deepEqual(pointTuples(readWhole(format, log).points), [
    ['val_acc', 3, 0.71],
    ['val_loss', 3, NaN],
  ]);
});

test('sniffing: a metric line or a trainer marker admits a file; 400 unrelated lines reject it; fewer wait', () => {
  assert.equal(
    CONSOLE_FORMAT.sniff?.(encode('nohup: ignoring input\n[INFO|trainer.py:2409] 2025-05-28 16:36:49,102 >> ***** Running training *****\n')),
    'log',
  );
  assert.equal(CONSOLE_FORMAT.sniff?.(encode('0 val 11.0864\n')), 'log');
  assert.equal(CONSOLE_FORMAT.sniff?.(encode('numpy==1.26\ntorch==2.3\n')), 'need-more');
  assert.equal(CONSOLE_FORMAT.sniff?.(encode('just prose, nothing to plot\n'.repeat(400))), 'not-a-log');
  // A metric line that has not ended yet is not judged.
  assert.equal(CONSOLE_FORMAT.sniff?.(encode("{'loss': 1.0")), 'need-more');
});

test('numbers as Python prints them', () => {
  assert.equal(parseNumber('1e-05'), 1e-5);
  assert.equal(parseNumber('-inf'), -Infinity);
  assert.ok(Number.isNaN(parseNumber('nan')));
  assert.equal(parseNumber('0:00:04'), undefined);
  assert.equal(parseNumber('12abc'), undefined);
});

test('console logs: W&B output.log belongs to its run folder, torchtune logs to the output_dir, debug logs are not read', () => {
  assert.deepEqual(classifyLogFile('/w/wandb/run-20240505_113706-pepl8n0h/files/output.log'), {
    format: 'console',
    runDirectory: '/w/wandb/run-20240505_113706-pepl8n0h',
  });
  assert.deepEqual(classifyLogFile('/w/wandb/offline-run-20240505_113706-x/files/output.log'), {
    format: 'console',
    runDirectory: '/w/wandb/offline-run-20240505_113706-x',
  });
  assert.deepEqual(classifyLogFile('/w/out/logs/log_1718000000.txt'), { format: 'console', runDirectory: '/w/out' });
  assert.deepEqual(classifyLogFile('/w/nanogpt/log/log.txt'), { format: 'console', runDirectory: '/w/nanogpt/log' });
  assert.equal(classifyLogFile('/w/wandb/run-20240505_113706-pepl8n0h/logs/debug-internal.log'), undefined);
  assert.equal(classifyLogFile('/w/out/all_results.json')?.format, 'hf-results');
  assert.equal(classifyLogFile('/w/out/notes.md'), undefined);
});

test('HF dicts: strings with commas, braces and escaped quotes, nested values and a step of its own are read right', () => {
  const log =
    [
      `{'loss': 1.5, 'note': 'a, b} c', 'quoted': 'it\\'s', 'nested': {'x': [1, 2]}, 'rewards/acc/mean': '0.75', 'step': 40, 'epoch': 2.0}`,
      "{'eval_loss': 1.25, 'eval_thresholds': (0.5, 0.2)}",
      "{'loss': 1.0, 'broken': 'unterminated}",
      "  {'loss': 0.5}  ",
    ].join('\n') + '\n';
  const result = readWhole(CONSOLE_FORMAT, encode(log));
  assert.deepEqual(pointTuples(result.points), [
    ['loss', 40, 1.5],
    ['rewards/acc/mean', 40, 0.75],
    ['eval_loss', 40, 1.25],
    ['loss', 2, 0.5],
  ]);
  assert.equal(result.points[0]?.epoch, 2);
});
