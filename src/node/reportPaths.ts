import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReport, type EvaluationReport, type PairingNumbers, type ReportDocument, type RunReport } from '../core/report';
import { classifyLogFile, logFormat } from '../core/formats/registry';
import { EVAL_OUTPUTS_FORMAT } from '../core/tokens/evalOutputsFormat';
import type { CandidateNumbers, ResolvedEvaluation } from '../core/tokens/resolvedRun';
import { exportedStatistics } from '../core/tokens/tokenStatistics';
import type { Problem } from '../core/types';
import { tokensReport, type TokensRequest, type TokenTextDecoder } from '../core/tokens/tokenShiftView';
import { LogIngest } from './logIngest';
import { withOutputEvidence } from './tokens/confirmWarnings';
import { scoreAhead } from './tokens/evalOutputsReader';
import { EvaluationContext, type EvalOutputsConfig } from './tokens/evaluationContext';
import { resolveStoredRun } from './tokens/resolvedEvaluations';
import { withComparedRecords } from './tokens/tokenShiftSource';
import { coreIdle } from './idleCore';
import { MIN_ASIDE_BYTES } from './tfrecordChecksAside';
import { walkLogs } from './walkLogs';
import { DEFAULT_READER_OPTIONS, type ReaderOptions } from './wholeFileReader';

/** How the report's per-token analysis is asked for, and where a run's token text comes from (none: ids only). */
export interface TokensSettings {
  readonly request?: TokensRequest;
  readonly decoderFor?: (runId: string) => Promise<TokenTextDecoder | undefined>;
  /** What finding the runs' tokenizers met (a corrupt or too large tokenizer.json, a decoder not supported), asked once the runs are done. */
  readonly tokenizerProblems?: () => Promise<readonly Problem[]>;
}

/**
 * Reads every log under `paths` once, as the CLI does: no watching, a half-written file reported at once.
 * The report owns its evaluation readers (`evaluations` settings, else the CLI's defaults) and ends them.
 */
export async function reportPaths(paths: readonly string[], settings: Partial<EvalOutputsConfig> = {}, tokens: TokensSettings = {}): Promise<ReportDocument> {
  // Records are held for each run's latest and least-loss evaluations as they are read; any other two asked
  // for (--tokens-steps) are read from the cache when compared (tokenShiftSource.ts).
  const evaluations = new EvaluationContext(settings);
  try {
    return await report(paths, evaluations, tokens);
  } finally {
    await evaluations.dispose();
  }
}

async function report(paths: readonly string[], evaluations: EvaluationContext, tokens: TokensSettings): Promise<ReportDocument> {
  const ingest = new LogIngest(undefined, { retryIncomplete: false, evaluations, readers: readerOptions() });
  const problems: { path: string; message: string }[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    try {
      const files = await walkLogs(path, (problem) => problems.push(problem));
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
  // Evaluations whose pairing is left to the logged loss are settled against their run before analysis.
  const resolved = new Map(ingest.store.snapshots().map((snapshot) => [snapshot.id, resolveStoredRun(snapshot, evaluations.outputs)]));
  const document = buildReport(
    [...resolved.values()].map(({ run }) => run),
    [...problems, ...ingest.problems(), ...evaluations.problems()],
    {},
    (runId) => ingest.runInfo(runId),
  );
  const runs = await Promise.all(
    document.runs.map(async (run) => {
      const read = resolved.get(run.id)?.evaluations ?? [];
      return withTokens(withEvaluationReports(withOutputEvidence(run, read, evaluations.samples), read), read, tokens);
    }),
  );
  const unverified = runs.flatMap((run) =>
    (run.evaluations ?? []).flatMap((evaluation) =>
      evaluation.status === 'unverified' && evaluation.pairingCheck !== undefined ? [{ path: evaluation.path, message: evaluation.pairingCheck.reason }] : [],
    ),
  );
  const tokenizers = (await tokens.tokenizerProblems?.()) ?? [];
  return { runs, problems: [...document.problems, ...unverified, ...tokenizers].sort((a, b) => a.path.localeCompare(b.path)) };
}

/**
 * The bundle's checksum helper sits beside it (dist/): a large event file is then read over two cores. No editor
 * waits on this thread, so small logs are read in blocking calls: 1,000 runs' reads spent a quarter of the
 * report idle, waiting on round trips to libuv's threads.
 */
function readerOptions(): ReaderOptions {
  const helper = join(__dirname, 'tfrecordCheckWorker.js');
  const options: ReaderOptions = { ...DEFAULT_READER_OPTIONS, blockingReads: true };
  return existsSync(helper) ? { ...options, tfrecordChecks: { script: helper, minBytes: MIN_ASIDE_BYTES, coreFree: coreIdle } } : options;
}

/** A run with per-token outputs gets its `tokens`: the analysis between two settled evaluations, text decoded when a decoder is found. */
async function withTokens(run: RunReport, evaluations: readonly ResolvedEvaluation[], settings: TokensSettings): Promise<RunReport> {
  const settled = evaluations.filter((evaluation) => evaluation.status === 'decided');
  if (settled.length === 0) return run;
  const decoder = await settings.decoderFor?.(run.id);
  return { ...run, tokens: tokensReport(await withComparedRecords(settled, settings.request?.steps), settings.request, decoder) };
}

const finiteOrNull = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);
const numbersOf = (numbers: CandidateNumbers): PairingNumbers => ({ accuracy: finiteOrNull(numbers.accuracy), meanNll: finiteOrNull(numbers.meanNll) });

/**
 * The run's evaluation outputs, how each paired its tokens and how that was decided, so a computed accuracy
 * can be checked: the CLI's run, read once or watched.
 */
export function withEvaluationReports(run: RunReport, evaluations: readonly ResolvedEvaluation[]): RunReport {
  if (evaluations.length === 0) return run;
  const reports = evaluations.map((evaluation): EvaluationReport => {
    const { path, step, pairing, status, summary, decision, candidates } = evaluation;
    const check =
      decision === undefined
        ? {}
        : {
            pairingCheck: {
              reason: decision.reason,
              comparisons: decision.comparisons.map(({ against, key, logged, shifted, aligned, agrees }) => ({
                against,
                key,
                logged,
                shifted: finiteOrNull(shifted),
                aligned: finiteOrNull(aligned),
                agrees,
              })),
            },
          };
    const verified = status === 'decided';
    const pairings = candidates === undefined ? {} : { pairings: { shifted: numbersOf(candidates.shifted), aligned: numbersOf(candidates.aligned) } };
    return {
      path,
      step,
      pairing,
      status,
      ...(verified ? { statistics: exportedStatistics(summary) } : {}),
      accuracy: verified ? finiteOrNull(summary.accuracy) : null,
      meanNll: verified ? finiteOrNull(summary.probabilities?.meanNll) : null,
      ...pairings,
      ...check,
    };
  });
  return { ...run, evaluations: reports };
}
