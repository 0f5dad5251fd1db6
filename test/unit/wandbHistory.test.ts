import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import { undoHfRewrite } from '../../src/core/formats/hfKeys';
import { classifyLogFile } from '../../src/core/formats/registry';
import { WANDB_HISTORY_FORMAT } from '../../src/core/formats/wandbHistoryFormat';
import { parseWandbSummary } from '../../src/core/formats/wandbSummaryFormat';
import { LogIngest } from '../../src/node/logIngest';
import { assertChunkSizesDoNotMatter, forEveryCorruptedByte, forEveryCut, pointTuples, readInChunks, readWhole } from './formatHarness';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';
import { exitRecord, historyRecord, outputRecord, runRecord, summaryRecord, wandbFile } from './wandbWriter';

/** An HF run as W&B's callback logs it: rewritten keys, `train/global_step`, console output between, one huge record. */
function hfRun(evals: number): { records: Uint8Array[]; pointsPerRecord: number[] } {
  const records: Uint8Array[] = [runRecord('sft-lr3e-5', { learning_rate: 3e-5, model_name: 'gpt2', _wandb: { cli_version: '0.16.5' } })];
  const pointsPerRecord = [0];
  for (let i = 0; i < evals; i++) {
    const step = (i + 1) * 50;
    records.push(
      historyRecord(
        {
          'train/loss': 2 - i / 100,
          'train/learning_rate': 3e-5,
          'train/epoch': i / 10,
          'train/global_step': step,
          _timestamp: 1714880265 + i,
          _runtime: i,
          _step: 2 * i,
        },
        2 * i,
      ),
    );
    records.push(outputRecord(`step ${step} `.repeat(i === 3 ? 9000 : 3)));
    records.push(
      historyRecord(
        {
          'eval/loss': i === 5 ? 'RAW:NaN' : 1.5 + (i - 4) ** 2 / 100,
          'eval/accuracy': 0.4 + i / 200,
          'eval/sample': { _type: 'image-file', path: 'x.png' },
          'train/epoch': i / 10,
          'train/global_step': step,
          _step: 2 * i + 1,
        },
        2 * i + 1,
      ),
    );
    pointsPerRecord.push(2, 0, 2);
  }
  records.push(summaryRecord({ 'eval/loss': 1.5, best_accuracy: 0.52, _wandb: { runtime: 3 } }), exitRecord());
  // The summary's own value waits for the exit record: only then is it known that no row will log it.
  pointsPerRecord.push(0, 1);
  return { records, pointsPerRecord };
}

const RUN = hfRun(40);
const { bytes: FILE, spans: SPANS } = wandbFile(RUN.records);
const TOTAL = RUN.pointsPerRecord.reduce((a, b) => a + b, 0);

test('W&B history of an HF run: keys as trainer_state.json writes them, the global step as step, NaN kept', () => {
  const { points, problems, runInfo } = readRun(FILE);
  assert.deepEqual(problems, []);
  assert.ok(FILE.length > 64 * 1024, 'the fixture spans several 32 KiB blocks');
  assert.deepEqual(points.slice(0, 4), [
    { key: 'loss', step: 50, value: 2, epoch: 0, wallTime: 1714880265 },
    { key: 'learning_rate', step: 50, value: 3e-5, epoch: 0, wallTime: 1714880265 },
    { key: 'eval_loss', step: 50, value: 1.66, epoch: 0 },
    { key: 'eval_accuracy', step: 50, value: 0.4, epoch: 0 },
  ]);
  assert.ok(Number.isNaN(points.find((point) => point.key === 'eval_loss' && point.step === 300)?.value));
  // The summary adds only the key history never had, at the last step; eval/loss is not repeated.
  assert.deepEqual(pointTuples(points.slice(-1)), [['best_accuracy', 2000, 0.52]]);
  assert.equal(points.length, TOTAL);
  assert.deepEqual(runInfo, { name: 'sft-lr3e-5', parameters: { learning_rate: 3e-5, model_name: 'gpt2' } });
});

function readRun(bytes: Uint8Array, sizes: readonly number[] = [bytes.length]): ReturnType<typeof readInChunks> & { runInfo: unknown } {
  let cursor = WANDB_HISTORY_FORMAT.initialCursor;
  let runInfo: unknown;
  const points = [];
  const problems = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    const result = WANDB_HISTORY_FORMAT.readChunk(cursor, bytes.subarray(offset, offset + size), 'run.wandb');
    cursor = result.cursor;
    points.push(...result.points);
    problems.push(...result.problems);
    runInfo = result.runInfo ?? runInfo;
    offset += size;
  }
  return { points, problems, runInfo };
}

test('W&B history read in random chunk sizes gives exactly the points of one read', () => {
  assertChunkSizesDoNotMatter(WANDB_HISTORY_FORMAT, FILE, { maxChunk: 40_000, maxChunks: 12, numRuns: 60 });
  assert.deepEqual(
    pointTuples(readInChunks(WANDB_HISTORY_FORMAT, FILE.subarray(0, 9000), [1]).points),
    pointTuples(readWhole(WANDB_HISTORY_FORMAT, FILE.subarray(0, 9000)).points),
  );
});

test('W&B history cut anywhere never throws and keeps every record that was complete', () => {
  forEveryCut(
    WANDB_HISTORY_FORMAT,
    FILE,
    ({ points, problems }, cut) => {
      const complete = SPANS.reduce((sum, [, end], i) => sum + (end <= cut && i < SPANS.length - 1 ? (RUN.pointsPerRecord[i] ?? 0) : 0), 0);
      assert.deepEqual(problems, []);
      assert.equal(points.filter((point) => point.key !== 'best_accuracy').length, complete);
    },
    { numRuns: 300 },
  );
});

test('W&B history with a corrupted byte never throws and keeps every record outside the damaged block', () => {
  forEveryCorruptedByte(
    WANDB_HISTORY_FORMAT,
    FILE,
    ({ points, problems }, at) => {
      const block = Math.floor(at / 32768);
      const kept = SPANS.reduce(
        (sum, [start, end], i) => sum + (Math.floor(start / 32768) > block || Math.floor((end - 1) / 32768) < block ? (RUN.pointsPerRecord[i] ?? 0) : 0),
        0,
      );
      assert.ok(points.length >= kept, `${points.length} points kept, ${kept} expected`);
      // A larger length in the last record's chunk header is what a file still being written looks like: no problem, no exit record yet.
      const lastStart = SPANS.at(-1)?.[0] ?? 0;
      assert.ok(problems.length > 0 || points.length === TOTAL || at === lastStart + 4 || at === lastStart + 5);
    },
    { from: 7, numRuns: 300 },
  );
});

test('W&B history with a corrupted byte reads the same in random chunk sizes as in one read', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 7, max: FILE.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 8 }),
      (at, byte, sizes) => {
        const corrupted = FILE.slice();
        corrupted[at] = byte;
        const whole = readWhole(WANDB_HISTORY_FORMAT, corrupted);
        const chunked = readInChunks(WANDB_HISTORY_FORMAT, corrupted, sizes);
        assert.deepEqual(pointTuples(chunked.points), pointTuples(whole.points));
        assert.deepEqual(chunked.problems, whole.problems);
      },
    ),
    { numRuns: 100 },
  );
});

test('W&B: a file that is not a .wandb log is refused by its header; paths classify into the run folder', () => {
  assert.equal(WANDB_HISTORY_FORMAT.sniff?.(new TextEncoder().encode('{"not": "wandb"}')), 'not-a-log');
  assert.equal(WANDB_HISTORY_FORMAT.sniff?.(FILE.subarray(0, 3)), 'need-more');
  assert.match(readWhole(WANDB_HISTORY_FORMAT, new TextEncoder().encode('plain text, not W&B')).problems[0] ?? '', /W&B header/);
  assert.deepEqual(classifyLogFile('/w/wandb/run-20240505_113706-pepl8n0h/run-pepl8n0h.wandb'), {
    format: 'wandb',
    runDirectory: '/w/wandb/run-20240505_113706-pepl8n0h',
  });
  assert.deepEqual(classifyLogFile('/w/wandb/offline-run-20240505_113706-x/files/wandb-summary.json'), {
    format: 'wandb-summary',
    runDirectory: '/w/wandb/offline-run-20240505_113706-x',
  });
  // wandb/latest-run links to the newest run: read through it, that run would appear twice.
  assert.equal(classifyLogFile('/w/wandb/latest-run/run-pepl8n0h.wandb'), undefined);
});

test("W&B: a non-HF run keeps its keys and W&B step; Lightning's trainer/global_step is the step", () => {
  const plain = wandbFile([
    historyRecord({ 'train/loss': 1.2, acc: 0.5, _step: 0 }, 0),
    historyRecord({ 'val/loss': 0.9, 'trainer/global_step': 99, epoch: 0, _step: 1 }, 1),
  ]);
  assert.deepEqual(pointTuples(readWhole(WANDB_HISTORY_FORMAT, plain.bytes).points), [
    ['train/loss', 0, 1.2],
    ['acc', 0, 0.5],
    ['val/loss', 99, 0.9],
  ]);
});

test('wandb-summary.json: numbers at the global step of an HF run; nested objects skipped; half-written retried', () => {
  const result = parseWandbSummary(
    '{"train/loss": 0.29, "train/global_step": 2307, "_step": 5, "eval/accuracy": 0.9, "table": {"_type": "table-file"}, "_wandb": {"runtime": 158}}',
  );
  assert.equal(result.kind, 'ok');
  if (result.kind === 'ok')
    assert.deepEqual(pointTuples(result.points), [
      ['loss', 2307, 0.29],
      ['eval_accuracy', 2307, 0.9],
    ]);
  assert.equal(parseWandbSummary('{"train/loss": 0.2').kind, 'incomplete');
});

/** Every history record of a real .wandb file, decoded by Python by hand (framing, CRC, protobuf): an independent reader. */
function pythonHistory(path: string): Array<Record<string, string>> {
  const script = String.raw`
import json, struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:4] == b':W&B'
pos, recs, buf = 7, [], b''
while pos < len(data):
    left = 32768 - pos % 32768
    if left < 7:
        pos += left
        continue
    crc, ln, typ = struct.unpack('<IHB', data[pos:pos + 7])
    payload = data[pos + 7:pos + 7 + ln]
    assert zlib.crc32(bytes([typ]) + payload) == crc
    pos += 7 + ln
    if typ == 1: recs.append(payload)
    elif typ == 2: buf = payload
    elif typ == 3: buf += payload
    elif typ == 4: recs.append(buf + payload)
def varint(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 128: return r, i
def fields(b):
    i = 0
    while i < len(b):
        k, i = varint(b, i)
        if k & 7 == 0: v, i = varint(b, i)
        elif k & 7 == 2:
            n, i = varint(b, i); v = b[i:i + n]; i += n
        elif k & 7 == 1: v = b[i:i + 8]; i += 8
        else: v = b[i:i + 4]; i += 4
        yield k >> 3, v
out = []
for r in recs:
    for f, v in fields(r):
        if f == 2:
            out.append({dict(fields(it)).get(1, b'').decode(): dict(fields(it))[16].decode() for n, it in fields(v) if n == 1})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Array<Record<string, string>>;
}

test("W&B: the real sample's history reads as a hand decoder reads it, and ends at wandb-summary.json", { skip: samplesSkipReason('wandb') }, () => {
  const wandbDir = join(SAMPLES_DIR, 'wandb', readdirSync(join(SAMPLES_DIR, 'wandb'))[0] ?? '', 'wandb');
  const runDir = join(wandbDir, readdirSync(wandbDir).find((name) => name.startsWith('run-')) ?? '');
  const file = join(runDir, readdirSync(runDir).find((name) => name.endsWith('.wandb')) ?? '');
  const bytes = new Uint8Array(readFileSync(file));
  const { points, problems } = readInChunks(WANDB_HISTORY_FORMAT, bytes, [32768, 1000, 7]);
  assert.deepEqual(problems, []);
  const expected: Array<[string, number, number]> = [];
  for (const record of pythonHistory(file)) {
    const step = Number(record['train/global_step']);
    for (const [key, value] of Object.entries(record)) {
      if (key.startsWith('_') || key === 'train/global_step' || key === 'train/epoch') continue;
      expected.push([undoHfRewrite(key), step, Number(value)]);
    }
  }
  assert.equal(expected.length, 18);
  assert.deepEqual(pointTuples(points), expected);
  const summary = JSON.parse(readFileSync(join(runDir, 'files', 'wandb-summary.json'), 'utf8')) as Record<string, number>;
  const last = new Map(points.map((point) => [point.key, point.value]));
  for (const key of ['train/loss', 'eval/loss', 'eval/accuracy', 'train/train_loss']) assert.equal(last.get(undoHfRewrite(key)), summary[key], key);
});

test('W&B live: a .wandb written in pieces (cut inside a record) delivers each record once it is whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-wandb-'));
  const run = join(dir, 'wandb', 'offline-run-20250101_000000-abc123');
  mkdirSync(join(run, 'files'), { recursive: true });
  const path = join(run, 'run-abc123.wandb');
  const [, firstEnd = 0] = SPANS[1] ?? [];
  writeFileSync(path, FILE.subarray(0, firstEnd + 10));
  const ingest = new LogIngest();
  await ingest.ingest(path);
  assert.deepEqual(ingest.store.snapshot(run)?.metrics.get('loss'), { steps: [50], values: [2] });
  assert.equal(ingest.runInfo(run)?.name, 'sft-lr3e-5');
  appendFileSync(path, FILE.subarray(firstEnd + 10));
  await ingest.ingest(path);
  assert.equal(ingest.store.snapshot(run)?.metrics.get('eval_accuracy')?.steps.length, 40);
  // Beside the .wandb, the summary file adds nothing; without it, the summary is the run's only numbers.
  writeFileSync(join(run, 'files', 'wandb-summary.json'), '{"train/loss": 1.61, "train/global_step": 2000}');
  await ingest.ingest(join(run, 'files', 'wandb-summary.json'));
  assert.equal(ingest.store.snapshot(run)?.metrics.get('loss')?.values.at(-1), 2 - 39 / 100);
  rmSync(path);
  const alone = new LogIngest();
  await alone.ingest(join(run, 'files', 'wandb-summary.json'));
  assert.deepEqual(alone.store.snapshot(run)?.metrics.get('loss'), { steps: [2000], values: [1.61] });
  rmSync(dir, { recursive: true });
});
