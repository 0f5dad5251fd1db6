// The floors under the CLI's report of one event file, each a whole process as the CLI is (spawned by
// bench/processes.ts): `read` reads the file into memory in one piece; `crc` reads it and checks every
// record's CRC-32C with the project's own code (src/core/formats/crc32c.ts), framing the records as the reader
// does. What the report costs beyond these is decoding, the store, the report and the CLI's own start.
import { readFileSync } from 'node:fs';
import { maskedCrc32cIn } from '../src/core/formats/crc32c';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/** How many records passed both checks, and how many failed one (a failed length stops the walk, as in the reader). */
function checkRecords(bytes: Uint8Array): { good: number; bad: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let good = 0;
  let bad = 0;
  let checkedLength = -1;
  let checkedLengthCrc = 0;
  let pos = 0;
  while (bytes.length - pos >= HEADER_BYTES) {
    const low = view.getUint32(pos, true);
    const high = view.getUint32(pos + 4, true);
    const lengthCrc = view.getUint32(pos + 8, true);
    // One length's checksum is the same every time: the reader checks each distinct length once, and so does the floor.
    if (high !== 0 || low !== checkedLength || lengthCrc !== checkedLengthCrc) {
      if (high !== 0 || maskedCrc32cIn(view, bytes, pos, pos + 8) !== lengthCrc) return { good, bad: bad + 1 };
      checkedLength = low;
      checkedLengthCrc = lengthCrc;
    }
    const end = pos + HEADER_BYTES + low;
    if (end + FOOTER_BYTES > bytes.length) break;
    if (maskedCrc32cIn(view, bytes, pos + HEADER_BYTES, end) === view.getUint32(end, true)) good++;
    else bad++;
    pos = end + FOOTER_BYTES;
  }
  return { good, bad };
}

const [mode, path] = process.argv.slice(2);
if ((mode !== 'read' && mode !== 'crc') || path === undefined) {
  process.stderr.write('Usage: node out/bench/eventFileFloors.js read|crc <event file>\n');
  process.exit(2);
}
const bytes = readFileSync(path);
if (mode === 'crc') {
  const { good, bad } = checkRecords(bytes);
  process.stdout.write(`${good} records checked, ${bad} failed\n`);
} else process.stdout.write(`${bytes.length} bytes read\n`);
