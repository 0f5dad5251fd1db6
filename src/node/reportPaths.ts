import { resolve } from 'node:path';
import { buildReport, type ReportDocument } from '../core/report';
import { LogIngest } from './logIngest';
import { withOutputEvidence } from './tokens/confirmWarnings';
import { walkLogs } from './walkLogs';

/** Reads every log under `paths` once, as the CLI does: no watching, a half-written file reported at once. */
export async function reportPaths(paths: readonly string[]): Promise<ReportDocument> {
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  const problems: { path: string; message: string }[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    try {
      for (const file of await walkLogs(path)) await ingest.ingest(file);
    } catch (error) {
      problems.push({ path, message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory.' : (error as Error).message });
    }
  }
  const document = buildReport(ingest.store.snapshots(), [...problems, ...ingest.problems()], {}, (runId) => ingest.runInfo(runId));
  return { ...document, runs: document.runs.map(withOutputEvidence) };
}
