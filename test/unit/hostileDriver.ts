/**
 * The child the hostile harness runs to feed files straight to the ingest (the CLI's walk only lists regular
 * files, the extension's watcher reports whatever appears): `TAL_HOSTILE_DRIVER=1 node hostileDriver.js
 * <folder to walk> <file>...` prints the report as `report --json` does. Without the variable (when the test
 * runner loads it) it does nothing.
 */
import { resolve } from 'node:path';
import { buildReport } from '../../src/core/report';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';

async function main(folder: string, files: readonly string[]): Promise<void> {
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  for (const file of await walkLogs(resolve(folder))) await ingest.ingest(file);
  for (const file of files) await ingest.ingest(resolve(file));
  const document = buildReport(ingest.store.snapshots(), ingest.problems(), {}, (runId) => ingest.runInfo(runId));
  process.stdout.write(JSON.stringify(document) + '\n');
}

const [folder, ...files] = process.argv.slice(2);
if (process.env['TAL_HOSTILE_DRIVER'] === '1' && folder !== undefined) void main(folder, files);
