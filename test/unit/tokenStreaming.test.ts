import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { computeEvalFile } from '../../src/node/tokens/evalFileStats';
import { tensorRowChunks, tensorRowsWanted } from '../../src/node/tokens/tensorData';
import { locateEvalTensors, type LocatedTensor } from '../../src/node/tokens/tensorFiles';

const ROWS = 3000;
const VOCAB = 100;

/** [ROWS, VOCAB] bf16 logits from a fixed generator, labels that are sometimes the argmax, -100 now and then. */
function writeDump(path: string): void {
  let seed = 99;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 8 - 4;
  const logits = new Float32Array(ROWS * VOCAB).map(() => random());
  const bf16 = Uint16Array.from(new Uint32Array(logits.buffer), (bits) => bits >>> 16);
  const labels = BigInt64Array.from({ length: ROWS }, (_, row) => (row % 17 === 0 ? -100n : BigInt((row * 31) % VOCAB)));
  const header = JSON.stringify({
    logits: { dtype: 'BF16', shape: [ROWS, VOCAB], data_offsets: [0, bf16.byteLength] },
    labels: { dtype: 'I64', shape: [ROWS], data_offsets: [bf16.byteLength, bf16.byteLength + labels.byteLength] },
  });
  const bytes = new Uint8Array(8 + header.length + bf16.byteLength + labels.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(new TextEncoder().encode(header), 8);
  bytes.set(new Uint8Array(bf16.buffer), 8 + header.length);
  bytes.set(new Uint8Array(labels.buffer), 8 + header.length + bf16.byteLength);
  writeFileSync(path, bytes);
}

/** Runs `check` on the logits tensor of a dump written to a temporary folder, removed afterwards. */
async function withDumpedLogits(check: (path: string, logits: LocatedTensor) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tal-stream-'));
  try {
    const path = join(dir, 'step-7.safetensors');
    writeDump(path);
    const files = await locateEvalTensors(path);
    assert.ok(!('error' in files));
    const logits = files.tensors.find((tensor) => tensor.name === 'logits');
    assert.ok(logits !== undefined);
    await check(path, logits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('logits stream in chunks of whole rows no larger than asked, with progress, and give the same numbers as one big chunk', async () => {
  await withDumpedLogits(async (path, logits) => {
    const sizes: number[] = [];
    for await (const chunk of tensorRowChunks(logits, VOCAB, 4096)) sizes.push(chunk.bytes.length);
    assert.ok(
      sizes.every((size) => size <= 4096 && size % (VOCAB * 2) === 0),
      'whole bf16 rows, at most 4 KiB',
    );
    assert.equal(
      sizes.reduce((sum, size) => sum + size, 0),
      ROWS * VOCAB * 2,
    );
    const progress: number[] = [];
    const small = await computeEvalFile(path, { chunkBytes: 4096 }, (fraction) => progress.push(fraction));
    const whole = await computeEvalFile(path, { chunkBytes: 64 << 20 });
    assert.ok(!('error' in small) && !('error' in whole));
    // One report per chunk of the scoring pass and per chunk each temperature pass reads again (some rows or all), then the end.
    const passes = small.summary.logits?.temperature?.passes ?? 0;
    assert.ok(progress.length >= sizes.length + passes + 1 && progress.length <= sizes.length * (1 + passes) + 1, `${progress.length} reports`);
    assert.ok(
      progress.every((fraction, i) => i === 0 || fraction > (progress[i - 1] ?? 0)),
      'progress only grows',
    );
    assert.equal(progress.at(-1), 1);
    assert.equal(small.summary.tokens, ROWS - Math.ceil(ROWS / 17), 'flat logits are aligned; -100 skipped');
    assert.deepEqual(small.summary, whole.summary, 'chunking changes nothing');
    assert.match(small.alignment, /aligned \(no shift\), from layout/);
  });
});

test('wanted rows are read alone, near ones together, as the whole stream has them', async () => {
  await withDumpedLogits(async (_path, logits) => {
    const rowBytes = VOCAB * 2;
    const whole = new Uint8Array(ROWS * rowBytes);
    for await (const chunk of tensorRowChunks(logits, VOCAB, 1 << 20)) whole.set(chunk.bytes, chunk.firstRow * rowBytes);
    // Small chunks, read into buffers used in turn, hold the same bytes when each is given.
    let rows = 0;
    for await (const { bytes, firstRow } of tensorRowChunks(logits, VOCAB, 4096)) {
      assert.deepEqual(bytes, whole.subarray(firstRow * rowBytes, firstRow * rowBytes + bytes.length));
      rows += bytes.length / rowBytes;
    }
    assert.equal(rows, ROWS);
    const read = async (chunkBytes: number, wanted: number[]): Promise<[number, number][]> => {
      const spans: [number, number][] = [];
      for await (const { bytes, firstRow } of tensorRowsWanted(logits, VOCAB, chunkBytes, wanted, 4)) {
        assert.deepEqual(bytes, whole.subarray(firstRow * rowBytes, firstRow * rowBytes + bytes.length));
        spans.push([firstRow, firstRow + bytes.length / rowBytes]);
      }
      return spans;
    };
    // Rows 5, 6 and 9 share a piece (9 is 3 rows past 6), 20 is alone, rows past the tensor are left out.
    assert.deepEqual(await read(1 << 20, [5, 6, 6, 9, 20, ROWS - 1, ROWS, ROWS + 5]), [
      [5, 10],
      [20, 21],
      [ROWS - 1, ROWS],
    ]);
    // No piece is larger than the chunk asked for (two rows here).
    assert.deepEqual(await read(2 * rowBytes, [5, 6, 9, 10, 11]), [
      [5, 7],
      [9, 11],
      [11, 12],
    ]);
    assert.deepEqual(await read(1 << 20, []), []);
  });
});
