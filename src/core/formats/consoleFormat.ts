import { baseName, parentOf } from '../paths';
import type { MetricPoint } from '../types';
import {
  hfDictLine,
  isMetricsBlockHeader,
  isTrainingMarker,
  metricsBlockEntry,
  scriptLine,
  userPatternLine,
  type LineValues,
  type UserLinePattern,
} from './consoleLines';
import type { AppendOnlyFormat, LogFile, SniffResult } from './logFormat';
import { completeLines, NO_PENDING_LINE, overlongProblems, type PendingLine } from './textLines';

/**
 * Where reading a console log stopped: the bytes of an unfinished line, and the step that lines without
 * one of their own (HF's printed dicts, its `***** eval metrics *****` block, `validation loss: …`) belong to.
 */
export interface ConsoleCursor {
  readonly pendingBytes: PendingLine;
  /** How many HF train logs (dicts with `loss`) have been printed: HF prints no step, so its logs are numbered. */
  readonly logCount: number;
  readonly lastStep: number;
  readonly inMetricsBlock: boolean;
  /** Keys of the last printed dict: the metrics block repeats them rounded, and the dict's full precision wins. */
  readonly lastDictKeys: readonly string[];
}

export const EMPTY_CONSOLE_CURSOR: ConsoleCursor = { pendingBytes: NO_PENDING_LINE, logCount: 0, lastStep: 0, inMetricsBlock: false, lastDictKeys: [] };

/** Lines sniffed before an unrecognised text file is judged not to be a training console. */
const SNIFF_LINES = 400;
const decoder = new TextDecoder('utf-8');

interface MutableState {
  logCount: number;
  lastStep: number;
  inMetricsBlock: boolean;
  lastDictKeys: readonly string[];
}

function push(points: MetricPoint[], line: LineValues, step: number, skip?: readonly string[]): void {
  const { values, epoch } = line;
  for (let i = 0; i < values.length; i++) {
    const [key, value] = values[i] as readonly [string, number];
    if (skip !== undefined && skip.includes(key)) continue;
    points.push(epoch === undefined ? { key, step, value } : { key, step, value, epoch });
  }
}

/** One line into points. */
function readSegment(segment: string, state: MutableState, patterns: readonly UserLinePattern[], points: MetricPoint[]): void {
  if (state.inMetricsBlock) {
    const entry = metricsBlockEntry(segment);
    if (entry !== undefined) {
      // `epoch` says where the block stands, not a metric; the dict before it gave the other keys in full precision.
      if (entry[0] !== 'epoch') push(points, { values: [entry] }, state.lastStep, state.lastDictKeys);
      return;
    }
    state.inMetricsBlock = false;
  }
  if (isMetricsBlockHeader(segment)) {
    state.inMetricsBlock = true;
    return;
  }
  const known = patterns.length > 0 ? userPatternLine(segment, patterns) : undefined;
  const line = known ?? scriptLine(segment);
  if (line !== undefined) {
    if (line.step !== undefined) state.lastStep = line.step;
    push(points, line, state.lastStep);
    return;
  }
  const dict = hfDictLine(segment);
  if (dict === undefined) return;
  if (dict.countsAsLog === true) state.logCount++;
  // A dict with no step of its own: a train log takes the next number, anything else (an eval) the step before it.
  state.lastStep = dict.step ?? (dict.countsAsLog === true ? state.logCount : state.lastStep);
  state.lastDictKeys = dict.values.map(([key]) => key);
  push(points, dict, state.lastStep);
}

/**
 * `\r` ends a line here as `\n` does: tqdm redraws its bar with `\r`, and a log it was redirected into can
 * hold megabytes with no `\n`. Each `\r`-separated piece was already read as a line of its own, so this changes
 * no value read, and the bytes waiting for a line end stay one redraw long instead of the whole bar's history.
 */
export function readConsoleChunk(
  cursor: ConsoleCursor,
  chunk: Uint8Array,
  patterns: readonly UserLinePattern[] = [],
): { points: MetricPoint[]; cursor: ConsoleCursor; problems: string[] } {
  const { lines, overlong, pending } = completeLines(cursor.pendingBytes, chunk, { carriageReturnEnds: true });
  const points: MetricPoint[] = [];
  const state: MutableState = {
    logCount: cursor.logCount,
    lastStep: cursor.lastStep,
    inMetricsBlock: cursor.inMetricsBlock,
    lastDictKeys: cursor.lastDictKeys,
  };
  for (const line of lines) if (line.trim() !== '') readSegment(line, state, patterns, points);
  return { points, cursor: { pendingBytes: pending, ...state }, problems: overlongProblems(overlong, lines.length) };
}

/** A console is worth reading when one of its first lines is a metric line or a training framework's own output. */
export function sniffConsole(head: Uint8Array, patterns: readonly UserLinePattern[] = []): SniffResult {
  const text = decoder.decode(head);
  const lines = text.split('\n');
  const complete = lines.slice(0, -1);
  for (const line of complete) {
    for (const segment of line.split('\r')) {
      if (
        isTrainingMarker(segment) ||
        userPatternLine(segment, patterns) !== undefined ||
        scriptLine(segment) !== undefined ||
        hfDictLine(segment) !== undefined
      )
        return 'log';
    }
  }
  return complete.length >= SNIFF_LINES ? 'not-a-log' : 'need-more';
}

const RUN_FOLDER = /^(offline-)?run-/;
const TORCHTUNE_LOG = /^log_\d+\.txt$/;

/**
 * Which run a console log belongs to: W&B's `wandb/<run>/files/output.log` to `wandb/<run>`, torchtune's
 * `<output_dir>/logs/log_<time>.txt` to its output_dir, any other `.log`/`.txt` to its folder. W&B's own
 * debug logs are never metrics.
 */
export function classifyConsole(path: string): LogFile | undefined {
  const name = baseName(path);
  if (!name.endsWith('.log') && !name.endsWith('.txt')) return undefined;
  const folder = parentOf(path);
  if (name === 'output.log' && baseName(folder) === 'files' && RUN_FOLDER.test(baseName(parentOf(folder))))
    return { format: 'console', runDirectory: parentOf(folder) };
  if (name.startsWith('debug') && name.endsWith('.log') && /[\\/]wandb[\\/]/.test(path)) return undefined;
  if (TORCHTUNE_LOG.test(name) && baseName(folder) === 'logs') return { format: 'console', runDirectory: parentOf(folder) };
  return { format: 'console', runDirectory: folder };
}

/**
 * Console logs (HF's printed dicts and metrics blocks, the nanoGPT family, torchtune, the user's own patterns).
 * The user's patterns come from a setting: `consoleFormat(patterns)` builds the reader that knows them.
 */
export function consoleFormat(patterns: readonly UserLinePattern[]): AppendOnlyFormat<ConsoleCursor> {
  return {
    id: 'console',
    label: 'Console log',
    kind: 'append',
    initialCursor: EMPTY_CONSOLE_CURSOR,
    classify: classifyConsole,
    sniff: (head) => sniffConsole(head, patterns),
    readChunk(cursor, chunk) {
      return readConsoleChunk(cursor, chunk, patterns);
    },
  };
}

export const CONSOLE_FORMAT = consoleFormat([]);
