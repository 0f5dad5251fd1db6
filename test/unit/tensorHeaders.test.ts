import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isLfsPointer, LFS_POINTER_MAX_BYTES } from '../../src/core/formats/lfsPointer';
import { parseNpyHeader } from '../../src/core/tokens/npyHeader';
import { parseSafetensorsHeader } from '../../src/core/tokens/safetensorsHeader';
import { extentProblem } from '../../src/core/tokens/tensorInfo';
import { locateCentralDirectory } from '../../src/core/tokens/zipDirectory';
import { NotRegularFileError, readRange } from '../../src/node/fileRange';
import { compactSafetensors, npyInt64 } from './tokenFiles';

const dir = mkdtempSync(join(tmpdir(), 'tal-tensor-headers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function safetensors(header: object): Uint8Array {
  const text = JSON.stringify(header);
  const bytes = new Uint8Array(8 + text.length);
  new DataView(bytes.buffer).setUint32(0, text.length, true);
  bytes.set(Buffer.from(text), 8);
  return bytes;
}

test('an .npy header longer than 64 KiB, or a shape too large to be real, is refused before more bytes are asked for', () => {
  const v2 = new Uint8Array(100);
  v2.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(v2.buffer).setUint32(8, 3 * 1024 ** 3, true);
  const result = parseNpyHeader(v2, 'labels');
  assert.equal(result.kind, 'invalid');
  assert.match(result.kind === 'invalid' ? result.message : '', /declares a header of 3221225472 bytes/);
  const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n";
  const huge = new Uint8Array(10 + header.length);
  huge.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
  huge.set(Buffer.from(header), 10);
  assert.equal(parseNpyHeader(huge, 'logits').kind, 'invalid');
  const good = parseNpyHeader(npyInt64([1, 2, 3]), 'labels');
  assert.equal(good.kind === 'ok' ? good.value.byteLength : -1, 24);
});

test('safetensors data_offsets must be whole, non-negative, ordered, non-overlapping and match the shape', () => {
  const tensor = (offsets: unknown[]): object => ({ dtype: 'I64', shape: [2], data_offsets: offsets });
  const cases: [object, RegExp][] = [
    [{ labels: tensor([-16, 0]) }, /not two ordered, non-negative whole numbers/],
    [{ labels: tensor([0.5, 16.5]) }, /not two ordered, non-negative whole numbers/],
    [{ labels: tensor([16, 0]) }, /not two ordered, non-negative whole numbers/],
    [{ labels: tensor(['0', '16']) }, /not two ordered, non-negative whole numbers/],
    [{ labels: tensor([0, 24]) }, /do not match its shape and dtype/],
    [{ labels: tensor([0, 16]), predictions: tensor([8, 24]) }, /"labels" and "predictions" share bytes/],
  ];
  for (const [header, message] of cases) {
    const result = parseSafetensorsHeader(safetensors(header));
    assert.equal(result.kind, 'invalid', JSON.stringify(header));
    assert.match(result.kind === 'invalid' ? result.message : '', message);
  }
  const fine = parseSafetensorsHeader(compactSafetensors([1, 2], [1, 3], [-0.1, -0.2], [-0.1, -0.1]));
  assert.equal(fine.kind, 'ok');
  assert.equal(fine.kind === 'ok' ? extentProblem(fine.value.tensors, 8 + 1000, 'x') : 'no', undefined);
  assert.match((fine.kind === 'ok' ? extentProblem(fine.value.tensors, 100, 'x') : '') ?? '', /declares \d+ bytes of data .* but the file holds/);
});

test('the npz end record is looked for in the tail only, and a central directory outside the file is refused', () => {
  assert.equal(locateCentralDirectory(new Uint8Array(65_557), 3 * 1024 ** 3).kind, 'invalid');
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(10, 2, true);
  view.setUint32(12, 1000, true);
  view.setUint32(16, 4_000_000_000, true);
  const result = locateCentralDirectory(end, 22);
  assert.match(result.kind === 'invalid' ? result.message : '', /does not fit in the file/);
});

test('a Git LFS pointer is recognised by its version line and size, nothing else', () => {
  const pointer = Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 10\n');
  assert.equal(isLfsPointer(pointer, pointer.length), true);
  assert.equal(isLfsPointer(pointer, LFS_POINTER_MAX_BYTES), false, 'pointers are under 1024 bytes');
  assert.equal(isLfsPointer(Buffer.from('{"version": "https://git-lfs.github.com/spec/v1"}'), 50), false);
});

test('a FIFO is refused before it is opened (opening one blocks until a writer comes)', { skip: process.platform === 'win32' }, async () => {
  const fifo = join(dir, 'trainer_state.json');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readRange(fifo, 0, 10), (error: unknown) => error instanceof NotRegularFileError && /FIFO/.test(error.message));
});
