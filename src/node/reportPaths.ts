import { resolve } from 'node:path';
import { buildReport, type ReportDocument, type RunReport } from '../core/report';
import { classifyLogFile, logFormat } from '../core/formats/registry';
import { EVAL_OUTPUTS_FORMAT } from '../core/tokens/evalOutputsFormat';
import { LogIngest } from './logIngest';
import { withOutputEvidence } from './tokens/confirmWarnings';
import { scoreAhead } from './tokens/evalOutputsReader';
import { EvaluationContext, type EvalOutputsConfig } from './tokens/evaluationContext';
import { walkLogs } from './walkLogs';

/**
 * Reads every log under `paths` once, as the CLI does: no watching, a half-written file reported at once.
 * The report owns its evaluation readers (`evaluations` settings, else the CLI's defaults) and ends them.
 */
export async function reportPaths(paths: readonly string[], settings: Partial<EvalOutputsConfig> = {}): Promise<ReportDocument> {
  const evaluations = new EvaluationContext(settings);
  try {
    return await report(paths, evaluations);
  } finally {
    await evaluations.dispose();
  }
}

async function report(paths: readonly string[], evaluations: EvaluationContext): Promise<ReportDocument> {
  const ingest = new LogIngest(undefined, { retryIncomplete: false, evaluations });
  const problems: { path: string; message: string }[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    try {
      const files = await walkLogs(path);
      // Files are read one by one, so that which of two sources wins at a step never depends on which read
      // finished first; evaluation files are scored ahead meanwhile, every worker of the pool busy.
      for (const file of files) {
        const format = classifyLogFile(file)?.format === EVAL_OUTPUTS_FORMAT.id ? logFormat(EVAL_OUTPUTS_FORMAT.id) : undefined;
        if (format !== undefined && !file.toLowerCase().endsWith('.json')) void scoreAhead(file, format, evaluations);
      }
      for (const file of files) await ingest.ingest(file);
    } catch (error) {
      problems.push({ path, message: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory.' : (error as Error).message });
    }
  }
  const document = buildReport(ingest.store.snapshots(), [...problems, ...ingest.problems()], {}, (runId) => ingest.runInfo(runId));
  return { ...document, runs: document.runs.map((run) => withEvaluations(withOutputEvidence(run, evaluations), evaluations)) };
}

/** The run's evaluation outputs and how each paired its tokens, so a computed accuracy can be checked. */
function withEvaluations(run: RunReport, context: EvaluationContext): RunReport {
  const evaluations = context.outputs.evaluations(run.id).map(({ path, step, pairing }) => ({ path, step, pairing }));
  return evaluations.length === 0 ? run : { ...run, evaluations };
}
