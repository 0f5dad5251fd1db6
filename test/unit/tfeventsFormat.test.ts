import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { crc32c, maskedCrc32c, maskedCrc32cIn } from '../../src/core/formats/crc32c';
import { classifyLogFile } from '../../src/core/formats/registry';
import { EMPTY_TFEVENTS_CURSOR, readTfeventsChunk, readTfeventsColumns, TFEVENTS_FORMAT } from '../../src/core/formats/tfeventsFormat';
import { decodeEvent, EventScalars } from '../../src/core/formats/tfEvent';
import { WireReader } from '../../src/core/formats/protobufWire';
import { pointTuples, readWhole } from './formatHarness';
import { tfRecord } from '../../scripts/logWriters.mjs';
import { eventFile, encodeEvent } from './tfeventsWriter';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

test('CRC-32C matches the published check values (RFC 3720 B.4 and the "123456789" check)', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // A sub-range equals the CRC of a copy of it, across the 8-byte stride and its tail.
  const bytes = ascii('xx123456789yy');
  assert.equal(crc32c(bytes, 2, 11), 0xe3069283);
  // TFRecord's mask: rotate right by 15, add 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h).
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(ascii('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('scalars in every encoding the writers use are read, a missing step is 0, non-scalars are skipped', () => {
  const file = eventFile([
    { wallTime: 1700000000.5, fileVersion: 'brain.Event:2' },
    { wallTime: 1700000001, values: [{ tag: 'hp_metric', simple: -1 }] },
    {
      wallTime: 1700000002,
      step: 10,
      values: [
        { tag: 'train/loss', simple: 2.5 },
        { tag: 'args/text_summary', text: '{"lr": 1}' },
      ],
    },
    {
      step: 20,
      values: [
        { tag: 'new_style', floatVal: 0.25 },
        { tag: 'unpacked', floatVal: 0.75, packed: false },
        { tag: 'double', doubleVal: 0.1 },
      ],
    },
    {
      step: 30,
      values: [
        { tag: 'tf2', content: 1.5 },
        { tag: 'picture', image: 300 },
        { tag: 'hist', floatVal: 3, plugin: 'histograms' },
      ],
    },
    { step: 2 ** 40, values: [{ tag: 'big_step', simple: 4 }] },
  ]);
  const result = readWhole(TFEVENTS_FORMAT, file);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(pointTuples(result.points), [
    ['hp_metric', 0, -1],
    ['train/loss', 10, 2.5],
    ['new_style', 20, 0.25],
    ['unpacked', 20, 0.75],
    ['double', 20, 0.1],
    ['tf2', 30, 1.5],
    ['big_step', 2 ** 40, 4],
  ]);
  assert.equal(result.points[0]?.wallTime, 1700000001);
  assert.equal(result.points[3]?.wallTime, undefined);
});

test('float32 values come out as the float32 the writer stored', () => {
  const result = readWhole(TFEVENTS_FORMAT, eventFile([{ step: 1, values: [{ tag: 'loss', simple: 1.9963 }] }]));
  assert.equal(result.points[0]?.value, Math.fround(1.9963));
});

test('a bad data checksum skips that record; a bad length checksum stops the file', () => {
  const records = [1, 2, 3].map((step) => tfRecord(encodeEvent({ step, values: [{ tag: 'loss', simple: step }] })));
  const [first, second, third] = records as [Uint8Array, Uint8Array, Uint8Array];
  const join = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((part) => [...part]));
  const badData = second.slice();
  badData[14] = (badData[14] as number) ^ 0xff;
  const skipped = readWhole(TFEVENTS_FORMAT, join(first, badData, third));
  assert.deepEqual(pointTuples(skipped.points), [
    ['loss', 1, 1],
    ['loss', 3, 3],
  ]);
  assert.match(skipped.problems[0] ?? '', new RegExp(`record at byte ${first.length} is damaged`));
  const badLength = second.slice();
  badLength[9] = (badLength[9] as number) ^ 0x01;
  const stopped = readWhole(TFEVENTS_FORMAT, join(first, badLength, third));
  assert.deepEqual(pointTuples(stopped.points), [['loss', 1, 1]]);
  assert.match(stopped.problems[0] ?? '', /corrupt length/);
  // Nothing more is read from a stopped file, even when more bytes arrive.
  const later = TFEVENTS_FORMAT.readChunk(TFEVENTS_FORMAT.readChunk(TFEVENTS_FORMAT.initialCursor, join(first, badLength), 'f').cursor, third, 'f');
  assert.deepEqual(later.points, []);
});

test('a half-written last record waits in the cursor until its bytes arrive', () => {
  const file = eventFile([
    { step: 1, values: [{ tag: 'loss', simple: 1 }] },
    { step: 2, values: [{ tag: 'loss', simple: 0.5 }] },
  ]);
  const cut = file.length - 5;
  const first = TFEVENTS_FORMAT.readChunk(TFEVENTS_FORMAT.initialCursor, file.subarray(0, cut), 'f');
  assert.deepEqual(pointTuples(first.points), [['loss', 1, 1]]);
  assert.deepEqual(first.problems, []);
  const rest = TFEVENTS_FORMAT.readChunk(first.cursor, file.subarray(cut), 'f');
  assert.deepEqual(pointTuples(rest.points), [['loss', 2, 0.5]]);
  assert.equal(rest.cursor.pending.length, 0);
  assert.equal(rest.cursor.offset, file.length);
});

test('a record that passes its checksum but is not an Event is a problem, not a crash', () => {
  const garbage = tfRecord(Uint8Array.from([0x2a, 0xff, 0xff]));
  const result = readWhole(TFEVENTS_FORMAT, garbage);
  assert.deepEqual(result.points, []);
  assert.match(result.problems[0] ?? '', /not a TensorBoard event/);
});

test('runs: events files are grouped by folder; Keras splits and eval folders join their run, each add_hparams trial is one', () => {
  assert.deepEqual(classifyLogFile('/w/runs/Jan28_15-12-11_host/events.out.tfevents.1674944078.host.1.0'), {
    format: 'tfevents',
    runDirectory: '/w/runs/Jan28_15-12-11_host',
  });
  assert.deepEqual(classifyLogFile('/w/runs/Jan28_15-12-11_host/1674944078.0620234/events.out.tfevents.1674944078.host.1.1'), {
    format: 'tfevents',
    runDirectory: '/w/runs/Jan28_15-12-11_host/1674944078.0620234',
  });
  assert.deepEqual(classifyLogFile('/w/logs/fit/train/events.out.tfevents.1.host.1.0.v2'), { format: 'tfevents', runDirectory: '/w/logs/fit' });
  assert.deepEqual(classifyLogFile('/w/logs/fit/validation/events.out.tfevents.1.host.1.0.v2'), { format: 'tfevents', runDirectory: '/w/logs/fit' });
  assert.deepEqual(classifyLogFile('/w/catboost_info/events.out.tfevents'), { format: 'tfevents', runDirectory: '/w/catboost_info' });
  assert.deepEqual(classifyLogFile('/w/runs/2/events.out.tfevents.1.h'), { format: 'tfevents', runDirectory: '/w/runs/2' });
  assert.equal(classifyLogFile('/w/plugins/profile/x/events.out.tfevents.1.h.profile-empty'), undefined);
});

test('Keras writes the same tags under train/ and validation/: the folder keeps the splits apart', () => {
  const file = eventFile([{ step: 1, values: [{ tag: 'epoch_loss', content: 0.5 }] }]);
  const train = TFEVENTS_FORMAT.readChunk(TFEVENTS_FORMAT.initialCursor, file, '/w/fit/train/events.out.tfevents.1.h.v2');
  const validation = TFEVENTS_FORMAT.readChunk(TFEVENTS_FORMAT.initialCursor, file, '/w/fit/validation/events.out.tfevents.1.h.v2');
  assert.deepEqual(pointTuples(train.points), [['train/epoch_loss', 1, 0.5]]);
  assert.deepEqual(pointTuples(validation.points), [['validation/epoch_loss', 1, 0.5]]);
});

test('a record of megabytes (a TF1 merged summary: an image beside a scalar) arriving in small chunks is buffered once, at its size', () => {
  const file = eventFile([
    {
      step: 5,
      values: [
        { tag: 'picture', image: 1_000_000 },
        { tag: 'loss', simple: 0.5 },
      ],
    },
    { step: 6, values: [{ tag: 'loss', simple: 0.25 }] },
  ]);
  let cursor = TFEVENTS_FORMAT.initialCursor;
  const buffers = new Set<Uint8Array>();
  const points = [];
  for (let offset = 0; offset < file.length; offset += 65536) {
    const result = TFEVENTS_FORMAT.readChunk(cursor, file.subarray(offset, offset + 65536), 'f');
    cursor = result.cursor;
    points.push(...result.points);
    if (cursor.filled > 0) buffers.add(cursor.pending);
  }
  assert.deepEqual(pointTuples(points), [
    ['loss', 5, 0.5],
    ['loss', 6, 0.25],
  ]);
  // The first record's buffer is allocated once at its full size (the second record fits in the last chunk).
  const [first] = buffers;
  assert.equal(first?.length, file.length - tfRecord(encodeEvent({ step: 6, values: [{ tag: 'loss', simple: 0.25 }] })).length);
  assert.equal(buffers.size, 1);
});

test('a file named like an event file but holding something else (tfevents_utils.py) is sniffed out; an empty one waits', () => {
  const sniff = TFEVENTS_FORMAT.sniff ?? assert.fail('tfevents has a sniff');
  assert.equal(sniff(eventFile([{ wallTime: 1, fileVersion: 'brain.Event:2' }])), 'log');
  assert.equal(sniff(ascii('import struct\nfrom tensorboard.compat.proto import event_pb2\n')), 'not-a-log');
  assert.equal(sniff(eventFile([{ wallTime: 1 }]).subarray(0, 11)), 'need-more');
  assert.equal(classifyLogFile('/w/tools/tfevents_utils.py')?.format, 'tfevents');
});

test('every tag reads back as written, whatever order tags come in: a cycle, a broken cycle, one tag a prefix of another, tags of one length', () => {
  // Same lengths differing in the last bytes (train/loss, train/lost) or in a four-byte group (eval/loss, test/loss).
  const tags = ['train/loss', 'train/lost', 'train/loss_scaled', 'train/los', 'eval/loss', 'test/loss', 'λ/loss'];
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom(...tags), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 40 }), (records) => {
      // Events with a wall time and one value take the in-place reader; the others the general decoder.
      const bytes = eventFile(
        records.map((recordTags, step) => ({
          ...(step % 5 === 4 ? {} : { wallTime: 1.7e9 + step }),
          step,
          values: recordTags.map((tag) => ({ tag, simple: step })),
        })),
      );
      assert.deepEqual(
        readWhole(TFEVENTS_FORMAT, bytes).points.map((point) => point.key),
        records.flat(),
      );
    }),
    { numRuns: 300 },
  );
});

/**
 * Written by TensorBoard 2.21's own `tensorboard.summary.Writer` (`add_scalar('train/loss', 1 / (step + 1))` and
 * `add_scalar('eval/acc', np.float64(0.5 + step / 10))` for steps 0-2): each value a one-float tensor (`float_val`)
 * followed by metadata naming the scalars plugin with `data_class` set, after a first event of source metadata.
 */
const TENSORBOARD_WRITER_FILE = [
  '4800000000000000fe92489d09b7d1d21a30c4da411a0d627261696e2e4576656e743a32522e0a2c74656e736f72626f6172642e73756d6d',
  '6172792e7772697465722e6576656e745f66696c655f7772697465729da2cc7a34000000000000005e33175c098ff0d21a30c4da412a290a',
  '270a0a747261696e2f6c6f7373420a080112002a040000803f4a0d0a090a077363616c61727320012ffd05863200000000000000241956ec',
  '0959f3d21a30c4da412a270a250a086576616c2f616363420a080112002a040000003f4a0d0a090a077363616c617273200144a908c03600',
  '0000000000004f578cef09edf3d21a30c4da4110012a290a270a0a747261696e2f6c6f7373420a080112002a040000003f4a0d0a090a0773',
  '63616c61727320012402c17534000000000000005e33175c0958f4d21a30c4da4110012a270a250a086576616c2f616363420a080112002a',
  '049a99193f4a0d0a090a077363616c6172732001c689de3036000000000000004f578cef09b1f4d21a30c4da4110022a290a270a0a747261',
  '696e2f6c6f7373420a080112002a04abaaaa3e4a0d0a090a077363616c617273200198bb459f34000000000000005e33175c0902f5d21a30',
  'c4da4110022a270a250a086576616c2f616363420a080112002a043333333f4a0d0a090a077363616c61727320013295876a',
].join('');

test("TensorBoard's own writer's one-float tensors read as scalars, in place and by the general decoder alike", () => {
  const file = Uint8Array.from(TENSORBOARD_WRITER_FILE.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  const expected = [0, 1, 2].flatMap((step) => [
    ['train/loss', step, Math.fround(1 / (step + 1))],
    ['eval/acc', step, Math.fround(0.5 + step * 0.1)],
  ]);
  const result = readWhole(TFEVENTS_FORMAT, file);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(
    result.points.map((point) => [point.key, point.step, point.value]),
    expected,
  );
  const columns = readTfeventsColumns(EMPTY_TFEVENTS_CURSOR, file);
  assert.deepEqual(
    columns.columns.toPoints().map((point) => [point.key, point.step, point.value]),
    expected,
  );
});

test('the in-place reader of one-scalar events (a simple_value or a one-float tensor) gives what the general Event decoder gives, for every layout around it, as points and as columns', () => {
  // A few tags that repeat, as a writer's do, so that remembered tags and their columns are reused across records and chunks;
  // pairs of one length that differ only in a four-byte group (eval/acc, eval/aux) or in the bytes after the last (train/lr1, train/lr2).
  const tag = fc.oneof(
    fc.constantFrom('loss', 'lr', 'eval/loss', 'é/ü', 'eval/acc', 'eval/aux', 'train/lr1', 'train/lr2'),
    fc.string({ maxLength: 20 }),
    fc.string({ minLength: 120, maxLength: 140 }),
  );
  const value = fc.oneof(
    fc.record({ tag, simple: fc.float({ noDefaultInfinity: false }) }),
    fc.record({ tag, simple: fc.float({ noDefaultInfinity: false }) }),
    fc.record({ tag, floatVal: fc.float(), plugin: fc.constantFrom('scalars', 'histograms') }),
    fc.record({ tag, content: fc.float() }),
    fc.record(
      {
        tag,
        tensorFloat: fc.float(),
        field: fc.constantFrom(4 as const, 5 as const, 7 as const),
        // hparams has the length of scalars, and its one-number tensors are no scalars.
        plugin: fc.constantFrom('scalars', 'hparams', 'histograms', 'scalar', ''),
        dataClass: fc.boolean(),
      },
      { requiredKeys: ['tag', 'tensorFloat', 'field'] },
    ),
    fc.record({ tag, doubleVal: fc.double() }),
    fc.record({ tag: fc.string({ maxLength: 8 }), text: fc.string({ maxLength: 8 }) }),
    fc.record({ tag: fc.string({ maxLength: 8 }), image: fc.nat(40) }),
  );
  const event = fc.record(
    {
      wallTime: fc.double({ noNaN: true }),
      step: fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 50 }), fc.constant(Number.MAX_SAFE_INTEGER)),
      values: fc.array(value, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.array(event, { maxLength: 20 }), fc.nat(64), (events, chunk) => {
      const expected: [string, number, number, number | undefined][] = [];
      const scalars = new EventScalars();
      for (const fixture of events) {
        const data = encodeEvent(fixture);
        decodeEvent(new WireReader(data, 0, data.length), scalars);
        for (let i = 0; i < scalars.count; i++) expected.push([scalars.tags[i] as string, scalars.step, scalars.values[i] as number, scalars.wallTime]);
      }
      const file = eventFile(events);
      const size = chunk + 1;
      for (const columns of [false, true]) {
        let cursor = EMPTY_TFEVENTS_CURSOR;
        const read: [string, number, number, number | undefined][] = [];
        for (let at = 0; at < file.length; at += size) {
          const result = columns ? readTfeventsColumns(cursor, file.subarray(at, at + size)) : readTfeventsChunk(cursor, file.subarray(at, at + size));
          cursor = result.cursor;
          assert.deepEqual(result.problems, []);
          const points = 'columns' in result ? result.columns.toPoints() : result.points;
          for (const point of points) read.push([point.key, point.step, point.value, point.wallTime]);
        }
        assert.deepEqual(read, expected);
      }
    }),
    { numRuns: 300 },
  );
});

test('the framing CRC read through a DataView equals the CRC read byte by byte, at every offset and length', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = a % (bytes.length + 1);
      const end = start + (b % (bytes.length - start + 1));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      assert.equal(maskedCrc32cIn(view, bytes, start, end), maskedCrc32c(bytes, start, end));
    }),
    { numRuns: 2000 },
  );
});
