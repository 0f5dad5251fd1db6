import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { WholeFileFormat, WholeFileResult } from '../core/formats/logFormat';
import { TRAINER_STATE_FORMAT } from '../core/formats/trainerStateFormat';
import { openChecked, readHandleRange } from './fileRange';
import type { ChecksAside } from './tfrecordChecksAside';
import { describeReadError, type PointSink, type ReadOutcome, type SourceReader } from './sourceReader';
import { parseTrainerStateSplit, splitsTrainerState } from './wholeFileSplitScan';

/** What the host readers are told by the session (or the CLI): limits from settings, never globals. */
export interface ReaderOptions {
  /** Files read whole (trainer_state.json, results JSON, W&B summary and config, hparams, MLflow meta) above this are a problem, not a read. */
  readonly maxWholeFileBytes: number;
  /** The checksum helper, when a large event file's first read may use a second core (logSourceReader.ts): the CLI's report. */
  readonly tfrecordChecks?: ChecksAside;
  /**
   * Set by the CLI's report, which no editor waits on: a read's stat and a small log's first read are blocking
   * calls on its thread (see readRangeBlocking), not round trips to libuv's threads. Never set in the editor.
   */
  readonly blockingReads?: boolean;
}

/**
 * A fixed limit below the setting, for files that only name the run and list its hyperparameters (YAML
 * parses into many times its size in memory): `why` says why raising the setting would not help.
 */
export interface FixedLimit {
  readonly maxBytes: number;
  readonly why: string;
}

/** `tokenAccuracyLens.files.maxWholeFileMB`'s default: the largest real trainer_state.json seen is a few tens of MB. */
export const DEFAULT_MAX_WHOLE_FILE_MB = 256;
export const DEFAULT_READER_OPTIONS: ReaderOptions = { maxWholeFileBytes: DEFAULT_MAX_WHOLE_FILE_MB * 1024 * 1024 };

const MB = 1024 * 1024;

/** The problem for a file over the limit, saying which setting raises it (or, for a fixed limit, why none does). */
export function tooLargeMessage(path: string, size: number, maxBytes: number, fixed?: FixedLimit): string {
  if (fixed !== undefined && fixed.maxBytes < maxBytes)
    return `${basename(path)} is ${Math.ceil(size / MB)} MB, over the ${Math.floor(fixed.maxBytes / MB)} MB read for it (${fixed.why}): it is not read.`;
  return `${basename(path)} is ${Math.ceil(size / MB)} MB, over the ${Math.floor(maxBytes / MB)} MB limit for files read whole (setting tokenAccuracyLens.files.maxWholeFileMB): it is not read.`;
}

/**
 * A regular file's bytes whole, read in bounded pieces, as of one stat: `too-large` (nothing allocated) when
 * it is over `maxBytes`. A file that grows meanwhile is read up to the size it had.
 */
export async function readWholeFile(
  path: string,
  maxBytes: number,
): Promise<{ kind: 'bytes'; bytes: Uint8Array; info: Stats } | { kind: 'too-large'; info: Stats }> {
  const { handle, info } = await openChecked(path);
  try {
    if (info.size > maxBytes) return { kind: 'too-large', info };
    return { kind: 'bytes', bytes: await readHandleRange(handle, 0, info.size), info };
  } finally {
    await handle.close();
  }
}

interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * How one format read whole differs from the plain read: a source that defers to a better one (`skip`), or
 * that adds what other files say to the parsed outcome (`finish`, also given the unchanged outcome, so a
 * change elsewhere can still be reported).
 */
export interface WholeFileHooks {
  readonly skip?: () => Promise<boolean>;
  readonly finish?: (outcome: ReadOutcome) => Promise<ReadOutcome>;
  readonly fixedLimit?: FixedLimit;
}

/** Reads a file that is rewritten whole, again only when its identity (inode, size, mtime) changed, and never past the size limit. */
export class WholeFileReader implements SourceReader {
  private identity: FileIdentity | undefined;
  /** The parts the last read gave, for a file of several runs: one that a new read lacks is gone. */
  private parts: ReadonlySet<string> = new Set();

  constructor(
    readonly path: string,
    private readonly logFormat: WholeFileFormat,
    private readonly options: ReaderOptions = DEFAULT_READER_OPTIONS,
    private readonly hooks: WholeFileHooks = {},
  ) {}

  get format(): string {
    return this.logFormat.id;
  }

  get modifiedMs(): number {
    return this.identity?.mtimeMs ?? 0;
  }

  async read(sink: PointSink, checked?: Stats): Promise<ReadOutcome> {
    if ((await this.hooks.skip?.()) === true) return { kind: 'not-a-log' };
    const outcome = await this.readOnce(sink, checked);
    return this.hooks.finish === undefined ? outcome : this.hooks.finish(outcome);
  }

  /** The file's first `size` bytes parsed; a large trainer_state.json over two threads (see wholeFileSplitScan.ts). */
  private async parse(handle: FileHandle, size: number): Promise<WholeFileResult> {
    if (this.logFormat.id === TRAINER_STATE_FORMAT.id && (await splitsTrainerState(size))) return parseTrainerStateSplit(handle, size);
    return this.logFormat.parse(await readHandleRange(handle, 0, size), this.path);
  }

  private async readOnce(sink: PointSink, checked: Stats | undefined): Promise<ReadOutcome> {
    try {
      const { handle, info } = await openChecked(this.path, checked);
      try {
        const identity = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
        if (this.identity && sameIdentity(this.identity, identity)) return { kind: 'unchanged' };
        const fixed = this.hooks.fixedLimit;
        if (info.size > Math.min(this.options.maxWholeFileBytes, fixed?.maxBytes ?? Infinity)) {
          this.identity = identity;
          return { kind: 'failed', message: tooLargeMessage(this.path, info.size, this.options.maxWholeFileBytes, fixed) };
        }
        // Read up to the size it had when stat'ed: a file growing meanwhile is caught mid-rewrite, and retried.
        const result = await this.parse(handle, info.size);
        if (result.kind === 'incomplete') return { kind: 'retry', message: result.message };
        this.identity = identity;
        if (result.kind === 'invalid') return { kind: 'failed', message: result.message };
        if (result.parts !== undefined) {
          const parts = new Set(result.parts.map((part) => part.suffix));
          // A file caught cut short (saved in place, not atomically) has not lost the parts past the cut.
          const gone = result.cut === true ? [] : [...this.parts].filter((suffix) => !parts.has(suffix));
          this.parts = result.cut === true ? new Set([...this.parts, ...parts]) : parts;
          return { kind: 'runs', runs: result.parts, replace: true, problems: result.problems, ...(gone.length > 0 ? { gone } : {}) };
        }
        // Columns go to the sink as the whole file's points, as an append-only reader streams them; the outcome then adds none.
        if (result.columns !== undefined) sink(result.columns, true);
        return {
          kind: 'points',
          points: result.points,
          replace: result.columns === undefined,
          problems: result.problems,
          ...(result.runInfo === undefined ? {} : { runInfo: result.runInfo }),
        };
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
