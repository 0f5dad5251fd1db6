import { resolve } from 'node:path';
import { buildReport, type ReportDocument, type RunReport } from '../core/report';
import { LogIngest } from './logIngest';
import { withOutputEvidence } from './tokens/confirmWarnings';
import { evalOutputsStore } from './tokens/evalOutputsReader';
import { walkLogs } from './walkLogs';

/** Reads every log under `paths` once, as the CLI does: no watching, a half-written file reported at once. */
export async function reportPaths(paths: readonly string[]): Promise<ReportDocument> {
  const ingest = new LogIngest(undefined, { retryIncomplete: false });
  const problems: { path: string; message: string }[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    try {
      for (const file of await walkLogs(path, (problem) => problems.push(problem))) await ingest.ingest(file);
    } catch (error) {
      problems.push({ path, message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory.' : (error as Error).message });
    }
  }
  const document = buildReport(ingest.store.snapshots(), [...problems, ...ingest.problems()], {}, (runId) => ingest.runInfo(runId));
  return { ...document, runs: document.runs.map(withEvidence) };
}

/** A run's report with warning (a) checked against its evaluation outputs and how each paired its tokens: the CLI's run, read once or watched. */
export function withEvidence(run: RunReport): RunReport {
  return withEvaluations(withOutputEvidence(run));
}

/**
 * The run's evaluation outputs and how each paired its tokens, so a computed accuracy can be checked. The
 * store outlives one report (it is the process's): only files this report read are its sources.
 */
function withEvaluations(run: RunReport): RunReport {
  const read = new Set(run.sources.map((source) => source.path));
  const evaluations = evalOutputsStore
    .evaluations(run.id)
    .filter((evaluation) => read.has(evaluation.path))
    .map(({ path, step, pairing }) => ({ path, step, pairing }));
  return evaluations.length === 0 ? run : { ...run, evaluations };
}
