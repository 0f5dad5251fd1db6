import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import {
  EMPTY_TFEVENTS_CURSOR,
  readTfeventsColumns,
  readTfeventsColumnsUnchecked,
  TFEVENTS_FORMAT,
  type TfeventsCursor,
} from '../../src/core/formats/tfeventsFormat';
import { TfrecordChecks } from '../../src/core/formats/tfrecordChecks';
import { batchPoints } from '../../src/core/pointColumns';
import type { MetricPoint } from '../../src/core/types';
import { AppendOnlyReader } from '../../src/node/logSourceReader';
import type { ReadOutcome } from '../../src/node/sourceReader';
import { readWithChecksAside } from '../../src/node/tfrecordChecksAside';
import { tfRecord } from '../../scripts/logWriters.mjs';
import { encodeEvent, type FixtureValue } from './tfeventsWriter';
import { REPO_ROOT } from './tokenPython';

const helper = join(REPO_ROOT, 'dist/tfrecordCheckWorker.js');
const skip = existsSync(helper) ? false : 'dist/tfrecordCheckWorker.js is built by `node scripts/build.mjs --tests`';

/** One record of a generated file: an event (scalars, a text, an image), or bytes that are no event at all. */
const recordArbitrary = fc.oneof(
  fc
    .record({
      step: fc.nat(1 << 20),
      values: fc.array(
        fc.oneof(
          fc.record({ tag: fc.constantFrom('loss', 'eval/loss', 'lr'), simple: fc.float({ noNaN: true }) }) as fc.Arbitrary<FixtureValue>,
          fc.record({
            tag: fc.constantFrom('acc', 'loss'),
            tensorFloat: fc.float({ noNaN: true }),
            field: fc.constant(4 as const),
            plugin: fc.constant('scalars'),
          }),
          fc.record({ tag: fc.constant('note'), text: fc.string({ maxLength: 40 }) }),
          fc.record({ tag: fc.constant('img'), image: fc.nat(300) }),
        ),
        { maxLength: 3 },
      ),
    })
    .map(({ step, values }) => encodeEvent({ wallTime: 1_700_000_000 + step, step, values })),
  fc.uint8Array({ maxLength: 64 }),
);

/** A damage done to the file: a flipped byte in a record's data or in its length, or a cut tail. */
const damageArbitrary = fc.oneof(
  fc.record({ kind: fc.constant('data' as const), record: fc.nat(), byte: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), record: fc.nat(), byte: fc.nat(7) }),
  fc.record({ kind: fc.constant('cut' as const), bytes: fc.integer({ min: 1, max: 40 }) }),
);

function eventFileOf(records: readonly Uint8Array[], damages: readonly DamageSpec[]): Uint8Array {
  const framed = records.map((data) => Uint8Array.from(tfRecord(data)));
  const starts: number[] = [];
  let size = 0;
  for (const record of framed) {
    starts.push(size);
    size += record.length;
  }
  const file = new Uint8Array(size);
  framed.forEach((record, i) => file.set(record, starts[i] ?? 0));
  let end = size;
  for (const damage of damages) {
    if (framed.length === 0) break;
    const at = damage.kind === 'cut' ? 0 : damage.record % framed.length;
    const start = starts[at] ?? 0;
    const record = framed[at] as Uint8Array;
    const flip = (at: number, mask: number): void => {
      file[at] = (file[at] as number) ^ mask;
    };
    if (damage.kind === 'data' && record.length > 16) flip(start + 12 + (damage.byte % (record.length - 16)), 0x5a);
    else if (damage.kind === 'length') flip(start + damage.byte, 0x01);
    else if (damage.kind === 'cut') end = Math.max(0, end - damage.bytes);
  }
  return file.subarray(0, end);
}

type DamageSpec = { kind: 'data'; record: number; byte: number } | { kind: 'length'; record: number; byte: number } | { kind: 'cut'; bytes: number };

interface Read {
  readonly points: MetricPoint[];
  readonly outcome: ReadOutcome;
}

/** What a reader gave: the points its sink holds at the end (a replacing batch drops the earlier ones) and its outcome. */
async function readAll(reader: AppendOnlyReader): Promise<Read> {
  let points: MetricPoint[] = [];
  const outcome = await reader.read((batch, replace) => {
    if (replace) points = [];
    points.push(...batchPoints(batch));
  });
  return { points, outcome };
}

test('an event file read with its checksums checked aside gives exactly the points, order and problems of the sequential reader', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-checks-aside-'));
  try {
    let file = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recordArbitrary, { maxLength: 60 }), fc.array(damageArbitrary, { maxLength: 3 }), async (records, damages) => {
        const path = join(dir, `events.out.tfevents.${file++}.host`);
        writeFileSync(path, eventFileOf(records, damages));
        const sequential = await readAll(new AppendOnlyReader(path, TFEVENTS_FORMAT as never));
        const aside = await readAll(new AppendOnlyReader(path, TFEVENTS_FORMAT as never, { script: helper, minBytes: 0 }));
        assert.deepEqual(aside, sequential);
      }),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Where the records that pass end, checked in one pass: the damaged record, a corrupt length, or the last whole record. */
function passedUntil(bytes: Uint8Array): number {
  const once = new TfrecordChecks();
  once.advance(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, bytes.length);
  return once.firstDamaged >= 0 ? once.firstDamaged : once.position;
}

/** Decodes through readWithChecksAside as the reader does; says which chunks were vouched for, and where they ended. */
async function decodeAside(path: string, size: number, script: string, chunkBytes: number, hold = 0) {
  let cursor: TfeventsCursor = EMPTY_TFEVENTS_CURSOR;
  const points: MetricPoint[] = [];
  const problems: string[] = [];
  const chunks: { bytes: Uint8Array; end: number; vouched: boolean }[] = [];
  let end = 0;
  const handle = await open(path);
  try {
    const vouchedTo = await readWithChecksAside(handle, size, script, chunkBytes, (chunk, vouched) => {
      if (chunks.length === 0 && hold > 0) holdThread(hold);
      end += chunk.length;
      chunks.push({ bytes: chunk.slice(), end, vouched });
      const result = (vouched ? readTfeventsColumnsUnchecked : readTfeventsColumns)(cursor, chunk);
      cursor = result.cursor;
      points.push(...result.columns.toPoints());
      problems.push(...result.problems);
    });
    return { points, problems, chunks, vouchedTo };
  } finally {
    await handle.close();
  }
}

test('records straddling the decoded chunks and the helper: any chunk size, the helper there or not, gives the sequential read', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-checks-aside-'));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArbitrary, { minLength: 1, maxLength: 40 }),
        fc.array(damageArbitrary, { maxLength: 2 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        async (records, damages, chunkBytes, withHelper) => {
          const bytes = eventFileOf(records, damages);
          const path = join(dir, 'events.out.tfevents.1.host');
          writeFileSync(path, bytes);
          const read = await decodeAside(path, bytes.length, withHelper ? helper : join(dir, 'missing.js'), chunkBytes);
          const sequential = readTfeventsColumns(EMPTY_TFEVENTS_CURSOR, bytes);
          assert.deepEqual(read.points, sequential.columns.toPoints());
          assert.deepEqual(read.problems, sequential.problems);
          assert.ok(read.chunks.every((chunk) => chunk.bytes.length <= chunkBytes));
          assert.deepEqual(Buffer.concat(read.chunks.map((chunk) => chunk.bytes)), Buffer.from(bytes));
          const passed = passedUntil(bytes);
          assert.ok(read.chunks.every((chunk) => !chunk.vouched || chunk.end <= passed));
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checks taken up at any record where others left off, in steps of any budget, reach the one-pass verdict', () => {
  fc.assert(
    fc.property(
      fc.array(recordArbitrary, { maxLength: 40 }),
      fc.array(damageArbitrary, { maxLength: 2 }),
      fc.nat(),
      fc.integer({ min: 1, max: 300 }),
      (records, damages, split, budget) => {
        const bytes = eventFileOf(records, damages);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const once = new TfrecordChecks();
        once.advance(view, bytes, bytes.length);
        // A first checker goes some steps, as the helper does; a second takes up from its position, as the reading thread does.
        const first = new TfrecordChecks();
        for (let step = 0; step < split % 8; step++) first.advance(view, bytes, bytes.length, budget);
        const second = new TfrecordChecks(first.position);
        second.advance(view, bytes, bytes.length);
        assert.equal(first.firstDamaged >= 0 || second.firstDamaged >= 0, once.firstDamaged >= 0);
        assert.equal(Math.max(first.firstDamaged, second.firstDamaged), once.firstDamaged);
        assert.equal(second.position, once.position);
      },
    ),
  );
});

/** Holds this thread for `ms` (the helper thread meanwhile runs): a reader decoding slowly. */
function holdThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('the helper thread, given time, vouches for the records before a damaged one and never past it', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-checks-aside-'));
  try {
    const records = Array.from({ length: 400 }, (_, step) => encodeEvent({ wallTime: 1_700_000_000, step, values: [{ tag: 'loss', simple: step / 7 }] }));
    const cases: DamageSpec[][] = [[], [{ kind: 'data', record: 250, byte: 3 }], [{ kind: 'length', record: 300, byte: 0 }], [{ kind: 'cut', bytes: 5 }]];
    for (const damages of cases) {
      const bytes = eventFileOf(records, damages);
      const path = join(dir, 'events.out.tfevents.1.host');
      writeFileSync(path, bytes);
      const reached = passedUntil(bytes);
      // The helper's progress depends on the machine: the read is held longer each time until the helper is seen there.
      let vouchedTo = -1;
      for (let hold = 250; hold <= 8000 && vouchedTo !== reached; hold *= 2) {
        const read = await decodeAside(path, bytes.length, helper, 4096, hold);
        const sequential = readTfeventsColumns(EMPTY_TFEVENTS_CURSOR, bytes);
        assert.deepEqual([read.points, read.problems], [sequential.columns.toPoints(), sequential.problems]);
        assert.ok(read.vouchedTo <= reached, `the helper vouched past ${reached}: ${read.vouchedTo}`);
        assert.ok(read.chunks.every((chunk) => !chunk.vouched || chunk.end <= reached));
        vouchedTo = read.vouchedTo;
      }
      // It reaches the record the one-pass checks end at (the damaged one, a corrupt length, the cut last record).
      assert.equal(vouchedTo, reached, JSON.stringify(damages));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with no core free for the helper, a large first read is the sequential one: nothing is decoded unchecked', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-checks-aside-'));
  try {
    const path = join(dir, 'events.out.tfevents.1.host');
    const records = Array.from({ length: 50 }, (_, step) => encodeEvent({ wallTime: 1_700_000_000, step, values: [{ tag: 'loss', simple: step }] }));
    writeFileSync(path, eventFileOf(records, []));
    const uncheckedNever = {
      ...TFEVENTS_FORMAT,
      readColumnsUnchecked: (): never => {
        throw new Error('decoded without checks');
      },
    };
    const busy = await readAll(new AppendOnlyReader(path, uncheckedNever as never, { script: helper, minBytes: 0, coreFree: () => Promise.resolve(false) }));
    assert.deepEqual(busy, await readAll(new AppendOnlyReader(path, TFEVENTS_FORMAT as never)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a read ahead that fails before its turn is reported by the read, not left to end the process', { skip }, async () => {
  const READ_BYTES = 2 * 1024 * 1024;
  let calls = 0;
  // The first piece lands late; the second fails at once, while nothing waits on it yet.
  const failing = {
    read: async (buffer: Uint8Array, offset: number, length: number): Promise<{ bytesRead: number }> => {
      calls++;
      if (offset > 0) throw new Error('EIO: i/o error, read');
      await new Promise((resolve) => setTimeout(resolve, 50));
      buffer.fill(0, offset, offset + length);
      return { bytesRead: length };
    },
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(
      readWithChecksAside(failing as never, 3 * READ_BYTES, helper, 1 << 18, () => undefined),
      /EIO/,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(unhandled, []);
    assert.ok(calls >= 2);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
