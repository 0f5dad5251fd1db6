// Writers that produce logs byte for byte as the real trainers do, for the demo's live runs and the end-to-end
// tests: TensorBoard event files (TFRecord framing, masked CRC-32C, Event protobufs with simple_value),
// Lightning's CSVLogger, MLflow's file store and a Hugging Face console log.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CRC32C_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32c(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function maskedCrc(bytes) {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function varint(value) {
  const out = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const field = (number, wireType) => varint((number << 3) | wireType);
const lengthDelimited = (number, bytes) => Buffer.concat([field(number, 2), varint(bytes.length), bytes]);

function double(value) {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return bytes;
}

function float(value) {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatLE(value);
  return bytes;
}

/**
 * One TFRecord: length, its masked CRC, the data, the data's masked CRC. The unit tests frame their fixtures
 * with it too: its CRC is written apart from the reader's, so a fixture cannot share the reader's mistake.
 */
export function tfRecord(data) {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  const lengthCrc = Buffer.alloc(4);
  lengthCrc.writeUInt32LE(maskedCrc(length));
  const dataCrc = Buffer.alloc(4);
  dataCrc.writeUInt32LE(maskedCrc(data));
  return Buffer.concat([length, lengthCrc, data, dataCrc]);
}

function scalarEvent(wallTime, step, tag, value) {
  const summaryValue = Buffer.concat([lengthDelimited(1, Buffer.from(tag)), field(2, 5), float(value)]);
  const summary = lengthDelimited(1, summaryValue);
  return Buffer.concat([field(1, 1), double(wallTime), field(2, 0), varint(step), lengthDelimited(5, summary)]);
}

/** A TensorBoard event file as PyTorch's SummaryWriter writes it; `add` appends one scalar, flushed at once. */
export function tensorboardWriter(dir, wallTime = Date.now() / 1000) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `events.out.tfevents.${Math.floor(wallTime)}.demo-host.4242.0`);
  const header = Buffer.concat([field(1, 1), double(wallTime), lengthDelimited(3, Buffer.from('brain.Event:2'))]);
  writeFileSync(path, tfRecord(header));
  return {
    path,
    add(tag, step, value) {
      appendFileSync(path, tfRecord(scalarEvent(Date.now() / 1000, step, tag, value)));
    },
  };
}

/**
 * Lightning's CSVLogger: sparse rows, and the whole file rewritten with a wider header when a new metric
 * appears (as `_rewrite_with_new_header` does).
 */
export function lightningCsvWriter(dir, hparams = {}) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'metrics.csv');
  writeFileSync(
    join(dir, 'hparams.yaml'),
    Object.entries(hparams)
      .map(([key, value]) => `${key}: ${value}`)
      .join('\n') + '\n',
  );
  const columns = [];
  const rows = [];
  const line = (row) => columns.map((column) => (row[column] === undefined ? '' : String(row[column]))).join(',') + '\n';
  return {
    path,
    add(row) {
      const fresh = Object.keys(row).filter((key) => !columns.includes(key));
      rows.push(row);
      if (fresh.length > 0 || rows.length === 1) {
        columns.push(...fresh);
        columns.sort();
        writeFileSync(path, columns.join(',') + '\n' + rows.map(line).join(''));
      } else appendFileSync(path, line(row));
    },
  };
}

/** MLflow's file store: one append-only file per metric, `timestamp value step` per line. */
export function mlflowWriter(root, { experimentId = '0', runId, runName }) {
  const run = join(root, experimentId, runId);
  mkdirSync(join(run, 'metrics'), { recursive: true });
  mkdirSync(join(run, 'tags'), { recursive: true });
  mkdirSync(join(run, 'params'), { recursive: true });
  writeFileSync(
    join(root, experimentId, 'meta.yaml'),
    `artifact_location: file://${join(root, experimentId)}\nexperiment_id: '${experimentId}'\nlifecycle_stage: active\nname: Default\n`,
  );
  writeFileSync(
    join(run, 'meta.yaml'),
    `artifact_uri: file://${join(run, 'artifacts')}\nexperiment_id: '${experimentId}'\nlifecycle_stage: active\nrun_id: ${runId}\nrun_name: ${runName}\nstatus: 1\nstart_time: ${Date.now()}\n`,
  );
  writeFileSync(join(run, 'tags', 'mlflow.runName'), runName);
  return {
    dir: run,
    add(key, step, value) {
      const path = join(run, 'metrics', ...key.split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      appendFileSync(path, `${Date.now()} ${value} ${step}\n`);
    },
  };
}

/** What the Hugging Face Trainer prints to the console: one Python dict per log call. */
export function consoleLogWriter(path) {
  writeFileSync(path, '***** Running training *****\n  Num examples = 2,000\n');
  const python = (value) => (Number.isInteger(value) ? String(value) : Number.isFinite(value) ? String(value) : 'nan');
  return {
    path,
    add(record) {
      appendFileSync(
        path,
        `{${Object.entries(record)
          .map(([key, value]) => `'${key}': ${python(value)}`)
          .join(', ')}}\n`,
      );
    },
  };
}
