import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { hparamsRunInfo } from '../../src/core/formats/lightningHparamsFormat';
import { LIGHTNING_CSV_FORMAT } from '../../src/core/formats/lightningCsvFormat';
import { classifyLogFile } from '../../src/core/formats/registry';
import { LogIngest } from '../../src/node/logIngest';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, pointTuples, readInChunks, readWhole } from './formatHarness';
import { sampleFiles, samplesSkipReason } from './helpers';

const encoder = new TextEncoder();
const HEADER = ['epoch', 'step', 'train_loss_epoch', 'train_loss_step', 'val_acc', 'val_loss'];

/** Rows as Lightning writes them: train rows every 50 steps, a val row and an epoch row per epoch, CRLF ends. */
function lightningRows(epochs: number): { text: string; pointsPerRow: number[] } {
  const lines = [HEADER.join(',')];
  const pointsPerRow: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let batch = 1; batch <= 4; batch++) {
      lines.push(`${epoch},${epoch * 200 + batch * 50 - 1},,${(2 / (epoch + batch)).toString()},,`);
      pointsPerRow.push(1);
    }
    lines.push(`${epoch},${epoch * 200 + 199},,,${0.5 + epoch / 100},${epoch === 3 ? 'nan' : 1.5 - epoch / 50}`);
    lines.push(`${epoch},${epoch * 200 + 199},${1.9 - epoch / 10},,,`);
    pointsPerRow.push(2, 1);
  }
  return { text: lines.join('\r\n') + '\r\n', pointsPerRow };
}

const { text: CSV_TEXT, pointsPerRow } = lightningRows(12);
const CSV = encoder.encode(CSV_TEXT);
const HEADER_BYTES = HEADER.join(',').length + 2;

test('Lightning CSV: sparse rows give one point per filled cell, epoch on each point, nan kept', () => {
  const { points, problems } = readWhole(LIGHTNING_CSV_FORMAT, encoder.encode(lightningRows(4).text));
  assert.deepEqual(problems, []);
  assert.deepEqual(points.slice(0, 2), [
    { key: 'train_loss_step', step: 49, value: 2, epoch: 0 },
    { key: 'train_loss_step', step: 99, value: 1, epoch: 0 },
  ]);
  assert.deepEqual(pointTuples(points.filter((point) => point.step === 199)), [
    ['train_loss_step', 199, 0.5],
    ['val_acc', 199, 0.5],
    ['val_loss', 199, 1.5],
    ['train_loss_epoch', 199, 1.9],
  ]);
  assert.ok(Number.isNaN(points.find((point) => point.key === 'val_loss' && point.step === 799)?.value));
});

test('Lightning CSV read in random chunk sizes gives exactly the points of one read', () => {
  assert.equal(
    readWhole(LIGHTNING_CSV_FORMAT, CSV).points.length,
    pointsPerRow.reduce((a, b) => a + b, 0),
  );
  assertChunkSizesDoNotMatter(LIGHTNING_CSV_FORMAT, CSV);
});

test('Lightning CSV cut anywhere never throws and keeps every complete row', () => {
  forEveryCut(LIGHTNING_CSV_FORMAT, CSV, (result, cut) => {
    const completeRows = Math.max(0, CSV_TEXT.slice(0, cut).split('\n').length - 2);
    const expected = pointsPerRow.slice(0, completeRows).reduce((a, b) => a + b, 0);
    assert.equal(result.points.length, expected);
  });
});

test('Lightning CSV with a corrupted byte never throws and loses at most the rows it touched', () => {
  const total = pointsPerRow.reduce((a, b) => a + b, 0);
  forEveryCorruptedByte(
    LIGHTNING_CSV_FORMAT,
    CSV,
    (result) => {
      // A newline written or erased can spoil the row on either side of it, and each row holds at most 2 points.
      assert.ok(result.points.length >= total - 4, `only ${result.points.length} of ${total} points survived one bad byte`);
    },
    { from: HEADER_BYTES },
  );
});

test('Lightning CSV: the registry reads metrics.csv, its sniff refuses a table without a step column', () => {
  assert.deepEqual(classifyLogFile('/w/lightning_logs/version_3/metrics.csv'), { format: 'lightning-csv', runDirectory: '/w/lightning_logs/version_3' });
  assert.deepEqual(classifyLogFile('/w/lightning_logs/version_3/hparams.yaml'), { format: 'lightning-hparams', runDirectory: '/w/lightning_logs/version_3' });
  assert.deepEqual(classifyLogFile('/w/saved/run3_metrics.csv'), { format: 'lightning-csv', runDirectory: '/w/saved/run3_metrics.csv' });
  assert.equal(classifyLogFile('/w/data/train.csv'), undefined);
  assert.equal(LIGHTNING_CSV_FORMAT.sniff?.(encoder.encode('id,label,text\n1,2,3\n')), 'not-a-log');
  assert.equal(LIGHTNING_CSV_FORMAT.sniff?.(encoder.encode('epoch,st')), 'need-more');
  assert.equal(LIGHTNING_CSV_FORMAT.sniff?.(CSV), 'log');
});

test('hparams flatten into parameters with dotted paths; a run_name names the run', () => {
  assert.deepEqual(hparamsRunInfo({ lr: 0.001, cfg: { model: { d: 768 }, tags: ['a', 'b'] }, run_name: 'baseline', dropout: null, amp: true }), {
    name: 'baseline',
    parameters: { lr: 0.001, 'cfg.model.d': 768, 'cfg.tags': '["a","b"]', run_name: 'baseline', amp: true },
  });
  assert.deepEqual(hparamsRunInfo({}), { parameters: {} });
});

test('hparams.yaml with Python tags (argparse.Namespace) keeps its values; empty `{}` gives no parameters', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-hparams-'));
  const tagged = join(dir, 'version_1');
  const empty = join(dir, 'version_2');
  mkdirSync(tagged);
  mkdirSync(empty);
  writeFileSync(join(tagged, 'hparams.yaml'), 'args: !!python/object:argparse.Namespace\n  lr: 0.01\n  layers: !!python/tuple\n  - 2\n  - 3\n');
  writeFileSync(join(empty, 'hparams.yaml'), '{}\n');
  const ingest = new LogIngest();
  await ingest.ingest(join(tagged, 'hparams.yaml'));
  await ingest.ingest(join(empty, 'hparams.yaml'));
  assert.deepEqual(ingest.runInfo(tagged), { parameters: { 'args.lr': 0.01, 'args.layers': '[2,3]' } });
  assert.deepEqual(ingest.runInfo(empty), { parameters: {} });
  assert.deepEqual(ingest.problems(), []);
  rmSync(dir, { recursive: true });
});

/** Every filled cell of a CSV as Python's csv module reads it: an independent reader for the real samples. */
function pythonCells(path: string): Array<[string, number, number]> {
  const script = [
    'import csv, json, sys',
    'out = []',
    'for row in csv.DictReader(open(sys.argv[1], newline="")):',
    '    for k, v in row.items():',
    '        if k not in ("step", "epoch") and v != "":',
    '            out.append([k, int(row["step"]), repr(float(v))])',
    'print(json.dumps(out))',
  ].join('\n');
  const rows = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Array<[string, number, string]>;
  return rows.map(([key, step, value]) => [key, step, value === 'nan' ? Number.NaN : Number(value.replace('inf', 'Infinity'))]);
}

test('Lightning CSV: every real sample reads as Python csv reads it', { skip: samplesSkipReason('lightning_csv') }, () => {
  const files = sampleFiles('lightning_csv', 'metrics.csv');
  assert.ok(files.length >= 4);
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    assert.equal(LIGHTNING_CSV_FORMAT.sniff?.(bytes), 'log', file);
    const { points, problems } = readInChunks(LIGHTNING_CSV_FORMAT, bytes, [4096, 17]);
    assert.deepEqual(problems, [], file);
    const expected = pythonCells(file);
    assert.ok(expected.length > 0, file);
    assert.deepEqual(pointTuples(points), expected, file);
  }
});

test('Lightning CSV live: appended rows arrive, a rewrite with a wider header restarts the read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-lightning-'));
  const version = join(dir, 'lightning_logs', 'version_0');
  mkdirSync(version, { recursive: true });
  const file = join(version, 'metrics.csv');
  // Over 64 bytes of header, and the new column sorts last: the file's first 64 bytes do not change.
  const narrow = 'epoch,step,train_loss_step,train_perplexity_step,train_tokens_per_second';
  writeFileSync(file, `${narrow}\r\n0,49,2.5,12.1,900\r\n`);
  writeFileSync(join(version, 'hparams.yaml'), 'run_name: tiny\noptim:\n  lr: 0.0003\n');
  const ingest = new LogIngest();
  await ingest.ingest(file);
  await ingest.ingest(join(version, 'hparams.yaml'));
  appendFileSync(file, '0,99,2.25,9.5,910\r\n');
  await ingest.ingest(file);
  assert.deepEqual(ingest.store.snapshot(version)?.metrics.get('train_loss_step'), { steps: [49, 99], values: [2.5, 2.25] });
  const wide = `${narrow},val_loss\r\n0,49,2.5,12.1,900,\r\n0,99,2.25,9.5,910,\r\n0,99,,,,2.75\r\n`;
  writeFileSync(file, wide);
  await ingest.ingest(file);
  const run = ingest.store.snapshot(version);
  assert.deepEqual(run?.metrics.get('val_loss'), { steps: [99], values: [2.75] });
  assert.deepEqual(run?.metrics.get('train_loss_step'), { steps: [49, 99], values: [2.5, 2.25] });
  assert.deepEqual(ingest.problems(), []);
  assert.deepEqual(ingest.runInfo(version), { name: 'tiny', parameters: { run_name: 'tiny', 'optim.lr': 0.0003 } });
  rmSync(dir, { recursive: true });
});
