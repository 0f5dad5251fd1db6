import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { assertSurvived, hostileFolder, runReport, writeGoodRun } from './hostileHarness';
import { npyInt64 } from './tokenFiles';

const GIB = 1024 ** 3;
const RUN_ID = '0123456789abcdef0123456789abcdef';

/** A sparse file of `size` bytes starting with `head`: takes no disk, reads as zeros. */
function sparse(path: string, size: number, head = ''): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    if (head !== '') writeSync(fd, head);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

function write(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/**
 * One case: the good run in `<root>/good`, what `plant` writes (returning the bad file's path), then the
 * contract. `direct`: the bad file is also handed to the ingest as the watcher would (the walk skips FIFOs).
 */
async function hostileCase(plant: (root: string) => string, message: RegExp, direct = false): Promise<void> {
  const { root, dispose } = hostileFolder();
  try {
    const logs = join(root, 'logs');
    writeGoodRun(join(logs, 'good'));
    const bad = plant(logs);
    assertSurvived(await runReport(root, logs, direct ? [bad] : []), bad, message);
  } finally {
    dispose();
  }
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** An .npy header of `version` declaring `header` (its length field may lie), padded to `total` bytes. */
function npyBytes(version: 1 | 2, header: string, declaredLength = header.length, total = 0): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const bytes = new Uint8Array(Math.max(total, prefix + header.length));
  bytes.set([...NPY_MAGIC, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, declaredLength, true);
  else view.setUint32(8, declaredLength, true);
  bytes.set(new TextEncoder().encode(header), prefix);
  return bytes;
}

/** A safetensors file of `header` (a JSON text; its length field may lie) and `data` bytes after it. */
function safetensorsBytes(header: string, dataBytes: number, declaredLength = header.length): Uint8Array {
  const bytes = new Uint8Array(8 + header.length + dataBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, declaredLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(declaredLength / 2 ** 32), true);
  bytes.set(new TextEncoder().encode(header), 8);
  return bytes;
}

const evalFile = (root: string, name: string): string => join(root, 'bad', 'eval_outputs', name);

// Whole-file logs, sparse and 3 GiB: one fs.read of them used to abort the process (`args[3]->IsInt32()`).
const WHOLE_FILE_LOGS: readonly [string, string][] = [
  ['trainer_state.json', 'bad/trainer_state.json'],
  ['all_results.json', 'bad/all_results.json'],
  ['wandb-summary.json', 'bad/wandb/run-20240101_000000-abcd1234/files/wandb-summary.json'],
  ['config.yaml', 'bad/wandb/run-20240101_000000-abcd1234/files/config.yaml'],
  ['hparams.yaml', 'bad/lightning_logs/version_0/hparams.yaml'],
  ['mlflow.runName', `bad/mlruns/0/${RUN_ID}/tags/mlflow.runName`],
  ['meta.yaml', `bad/mlruns/0/${RUN_ID}/meta.yaml`],
  ['per-sample evaluation JSON', 'bad/eval_outputs/step-10.json'],
  ['notebook.ipynb', 'bad/notebook.ipynb'],
];

const RUN_INFO_FILES = new Set(['config.yaml', 'hparams.yaml', 'mlflow.runName', 'meta.yaml']);

for (const [name, relative] of WHOLE_FILE_LOGS) {
  test(`a sparse 3 GiB ${name} is a problem, not a read`, () =>
    hostileCase(
      (root) => {
        const path = join(root, relative);
        sparse(path, 3 * GIB, name.endsWith('.json') ? '{"log_history": [' : name.endsWith('.ipynb') ? '{"cells": [' : 'a: 1\n');
        return path;
      },
      RUN_INFO_FILES.has(name) ? /over the 1 MB read for it \(a file of run names and hyperparameters/ : /over the 256 MB limit .*maxWholeFileMB/,
    ));
}

// Under the setting's limit, but YAML parses slowly into many times its size (a 2 MB list took 7 s and 400 MB):
// a run-info file has a fixed limit of its own.
test('a 2 MB hparams.yaml is not parsed', () =>
  hostileCase((root) => {
    const path = join(root, 'bad', 'lightning_logs', 'version_0', 'hparams.yaml');
    write(path, `lr:\n${'  - 1\n'.repeat(350_000)}`);
    return path;
  }, /hparams.yaml is \d+ MB, over the 1 MB read for it/));

test('a 128-byte .npy claiming 3e9 elements is refused by its size', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10/labels.npy');
    write(path, npyBytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3000000000,), }\n", undefined, 128));
    return path;
  }, /declares 24000000000 bytes of data .* but the file holds 51 after its header/));

test('a 100-byte .npy v2 header claiming a 3 GiB header is refused', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10/labels.npy');
    write(path, npyBytes(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }\n", 3 * GIB, 100));
    return path;
  }, /declares a header of 3221225472 bytes/));

test('a 200-byte .safetensors declaring a 99 MB header is refused', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10.safetensors');
    write(path, safetensorsBytes('{"labels": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}', 200 - 75, 99_000_000));
    return path;
  }, /ends inside its header/));

// Overlapping tensors (labels read as their own predictions) used to give an accuracy of 1.0.
const TENSOR_OFFSET_CASES: readonly [string, string, number, RegExp][] = [
  [
    'overlapping',
    '{"labels": {"dtype": "I64", "shape": [4], "data_offsets": [0, 32]}, "predictions": {"dtype": "I64", "shape": [4], "data_offsets": [0, 32]}}',
    32,
    /share bytes \(their data_offsets overlap\)/,
  ],
  [
    'negative',
    '{"labels": {"dtype": "I64", "shape": [4], "data_offsets": [-32, 0]}, "predictions": {"dtype": "I64", "shape": [4], "data_offsets": [0, 32]}}',
    32,
    /data_offsets \[-32,0\] are not two ordered, non-negative whole numbers/,
  ],
  [
    'fractional',
    '{"labels": {"dtype": "I64", "shape": [4], "data_offsets": [0.5, 32.5]}, "predictions": {"dtype": "I64", "shape": [4], "data_offsets": [32.5, 64.5]}}',
    65,
    /data_offsets \[0.5,32.5\] are not/,
  ],
  [
    'out-of-range',
    '{"labels": {"dtype": "I64", "shape": [4], "data_offsets": [0, 32]}, "predictions": {"dtype": "I64", "shape": [4], "data_offsets": [3000000000, 3000000032]}}',
    32,
    /predictions declares 32 bytes of data .* but the file holds 0/,
  ],
];

for (const [kind, header, data, message] of TENSOR_OFFSET_CASES) {
  test(`a .safetensors with ${kind} data_offsets is refused`, () =>
    hostileCase((root) => {
      const path = evalFile(root, 'step-10.safetensors');
      write(path, safetensorsBytes(header, data));
      return path;
    }, message));
}

test('a 3 GiB .npz still being written (no end record yet) is refused after a bounded search', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10.npz');
    sparse(path, 3 * GIB, 'PK\x03\x04');
    return path;
  }, /end of central directory/));

/** A zip of deflated members, as numpy's savez_compressed writes it (no zip64, no data descriptor). */
function zipOf(members: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name);
    const compressed = deflateRawSync(member.data, { level: 1 });
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(member.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(member.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

test('an npz bomb (members whose .npy headers claim 4 tokens but inflate to 256 MiB of zeros) is refused without inflating them', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10.npz');
    // The header says 4 int64 tokens; the member goes on inflating far past them.
    const member = (values: number[]): Uint8Array => {
      const head = npyInt64(values);
      const bomb = new Uint8Array(256 * 1024 * 1024);
      bomb.set(head);
      return bomb;
    };
    write(
      path,
      zipOf([
        { name: 'labels.npy', data: member([1, 2, 3, 4]) },
        { name: 'predictions.npy', data: member([1, 2, 3, 5]) },
      ]),
    );
    return path;
  }, /holds 268435456 bytes, but its .npy header accounts for \d+/));

test('an honest npz bomb (200 M int8 tokens a member, a few hundred KB deflated) is refused before anything is inflated whole', () =>
  hostileCase((root) => {
    const path = evalFile(root, 'step-10.npz');
    const header = "{'descr': '|i1', 'fortran_order': False, 'shape': (200000000,), }\n";
    const data = npyBytes(1, header, undefined, 10 + header.length + 200_000_000);
    write(
      path,
      zipOf([
        { name: 'labels.npy', data },
        { name: 'predictions.npy', data },
      ]),
    );
    return path;
  }, /declares 200000000 elements, more than the \d+ read whole/));

test('a FIFO named like a log is skipped with a problem, never opened (opening it would block forever)', () =>
  hostileCase(
    (root) => {
      const path = join(root, 'bad', 'trainer_state.json');
      mkdirSync(dirname(path), { recursive: true });
      execFileSync('mkfifo', [path]);
      return path;
    },
    /it is a FIFO \(named pipe\), not a regular file/,
    true,
  ));

test('a FIFO named like an append-only log is skipped with a problem', () =>
  hostileCase(
    (root) => {
      const path = join(root, 'bad', 'metrics.jsonl');
      mkdirSync(dirname(path), { recursive: true });
      execFileSync('mkfifo', [path]);
      return path;
    },
    /it is a FIFO \(named pipe\), not a regular file/,
    true,
  ));

test('a FIFO named like an evaluation is skipped with a problem', () =>
  hostileCase(
    (root) => {
      const path = evalFile(root, 'step-10.safetensors');
      mkdirSync(dirname(path), { recursive: true });
      execFileSync('mkfifo', [path]);
      return path;
    },
    /it is a FIFO \(named pipe\), not a regular file/,
    true,
  ));

/** A Git LFS pointer as `git lfs` writes it in place of a file whose content was never fetched. */
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';

const POINTER_FILES = [
  'hf/trainer_state.json',
  'hf/all_results.json',
  'tb/events.out.tfevents.1700000000.host.1.0',
  'jsonl/metrics.jsonl',
  'lightning_logs/version_0/metrics.csv',
  'lightning_logs/version_0/hparams.yaml',
  'wandb/run-20240101_000000-abcd1234/run-abcd1234.wandb',
  'wandb/run-20240102_000000-efgh5678/files/wandb-summary.json',
  'wandb/run-20240102_000000-efgh5678/files/config.yaml',
  `mlruns/0/${RUN_ID}/metrics/eval_loss`,
  `mlruns/0/${RUN_ID}/meta.yaml`,
  'db/mlflow.db',
  'evals/eval_outputs/step-10.safetensors',
  'evals/eval_outputs/step-20.npz',
  'evals/eval_outputs/step-30/labels.npy',
  'nb/train.ipynb',
];

test('a Git LFS pointer in place of a log of any format is one clear problem, and the good run is kept', async () => {
  const { root, dispose } = hostileFolder();
  try {
    const logs = join(root, 'logs');
    writeGoodRun(join(logs, 'good'));
    for (const file of POINTER_FILES) write(join(logs, 'pointers', file), LFS_POINTER);
    const run = await runReport(root, logs);
    for (const file of POINTER_FILES) assertSurvived(run, join(logs, 'pointers', file), /Git LFS pointer, not its content .*`git lfs pull`/);
  } finally {
    dispose();
  }
});

test('a FIFO named like the SQLite WAL beside an mlflow.db is never opened', () =>
  hostileCase((root) => {
    const path = join(root, 'bad', 'mlflow.db');
    write(path, 'SQLite format 3\0'.padEnd(4096, '\0'));
    execFileSync('mkfifo', [`${path}-wal`]);
    return path;
  }, /./));
