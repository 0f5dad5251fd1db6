// The floors under the CLI's report of one large file, each a whole process as the CLI is (spawned by
// bench/processes.ts): `read` reads the file into memory in one piece; `crc` reads an event file and checks
// every record's CRC-32C with the project's own code, framing the records as the reader does
// (src/core/formats/tfrecordChecks.ts, which the CLI's checksum helper thread runs); `scan` reads a
// trainer_state.json and scans its log_history into columns with the reader's own scanner, on one thread.
// What the report costs beyond these is the rest of the decoding, the store, the report and the CLI's own start.
import { readFileSync } from 'node:fs';
import { TfrecordChecks } from '../src/core/formats/tfrecordChecks';
import { scanTrainerState } from '../src/core/formats/trainerStateScan';

const [mode, path] = process.argv.slice(2);
if ((mode !== 'read' && mode !== 'crc' && mode !== 'scan') || path === undefined) {
  process.stderr.write('Usage: node out/bench/processFloors.js read|crc|scan <event file or trainer_state.json>\n');
  process.exit(2);
}
const bytes = readFileSync(path);
if (mode === 'crc') {
  const checks = new TfrecordChecks();
  checks.advance(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, bytes.length);
  const verdict =
    checks.firstDamaged >= 0 ? `the record at byte ${checks.firstDamaged} is damaged` : checks.stopped ? 'a corrupt length ended them' : 'all passed';
  process.stdout.write(`${checks.position} of ${bytes.length} bytes of records checked: ${verdict}\n`);
} else if (mode === 'scan') {
  const scanned = scanTrainerState(bytes);
  process.stdout.write(scanned === undefined ? 'not scanned: the whole-text parse would read it\n' : `${scanned.columns.size} points scanned\n`);
} else process.stdout.write(`${bytes.length} bytes read\n`);
