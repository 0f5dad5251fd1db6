import type { MetricPoint } from '../types';
import { sniffConsole } from './consoleFormat';
import { hfDictLine, isMetricsBlockHeader, metricsBlockEntry } from './consoleLines';
import type { AppendOnlyFormat } from './logFormat';
import { completeLines, NO_PENDING_LINE, overlongProblems, type PendingLine } from './textLines';

/** Where reading stopped, and every `log_metrics` value seen so far (the last print of a key wins). */
export interface ConsoleMetricsCursor {
  readonly pending: PendingLine;
  readonly inBlock: boolean;
  /** Keys of the dict printed last: its block repeats them rounded, and the better source holds them exactly. */
  readonly dictKeys: readonly string[];
  readonly finals: readonly (readonly [string, number])[];
}

const INITIAL: ConsoleMetricsCursor = { pending: NO_PENDING_LINE, inBlock: false, dictKeys: [], finals: [] };

/**
 * A console log beside a better source of its run (a trainer state, a W&B history, LLaMA-Factory's
 * trainer_log.jsonl) repeats that source's numbers without steps, so only what it alone prints is read:
 * the values of Hugging Face's `log_metrics` blocks (`***** train metrics *****`) that no dict printed,
 * such as `train_samples`, `eval_samples` or a script's `perplexity`. They are the run's final values,
 * so they sit at the run's last step; the plan marks them approximate (printed rounded), so where the
 * better source holds the same key at that step, its exact value wins and nothing counts twice.
 */
export function readConsoleMetricsChunk(cursor: ConsoleMetricsCursor, chunk: Uint8Array): { cursor: ConsoleMetricsCursor; problems: string[] } {
  // `\r` ends a line, as in the console reader (tqdm's redraws).
  const { lines, overlong, pending } = completeLines(cursor.pending, chunk, { carriageReturnEnds: true });
  let { inBlock, dictKeys } = cursor;
  const finals = new Map(cursor.finals);
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (inBlock) {
      const entry = metricsBlockEntry(line);
      if (entry !== undefined) {
        // `epoch` places the block; it is not a metric.
        if (entry[0] !== 'epoch' && !dictKeys.includes(entry[0])) finals.set(entry[0], entry[1]);
        continue;
      }
      inBlock = false;
    }
    if (isMetricsBlockHeader(line)) inBlock = true;
    else {
      const dict = hfDictLine(line);
      if (dict !== undefined) dictKeys = dict.values.map(([key]) => key);
    }
  }
  return { cursor: { pending, inBlock, dictKeys, finals: [...finals] }, problems: overlongProblems(overlong, lines.length) };
}

/**
 * Not found by any path of its own: the ingest reads a console log with it when the log's run has a
 * better source (src/node/sourcePlan.ts). Every read answers with all the final values seen so far,
 * as a file of final values must (the ingest replaces them as a whole at the run's last step).
 */
export const CONSOLE_METRICS_FORMAT: AppendOnlyFormat<ConsoleMetricsCursor> = {
  id: 'console-metrics',
  label: 'Console log (log_metrics blocks)',
  kind: 'append',
  finalValues: true,
  initialCursor: INITIAL,
  classify: () => undefined,
  sniff: (head) => sniffConsole(head),
  readChunk(cursor, chunk) {
    const { cursor: next, problems } = readConsoleMetricsChunk(cursor, chunk);
    const points: MetricPoint[] = next.finals.map(([key, value]) => ({ key, step: 0, value }));
    return { points, cursor: next, problems };
  },
};
