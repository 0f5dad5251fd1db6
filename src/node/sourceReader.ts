import type { Stats } from 'node:fs';
import type { RunInfo } from '../core/formats/logFormat';
import type { PointColumns } from '../core/pointColumns';
import type { MetricPoint } from '../core/types';

/** What one read of a file produced. `replace` means the points stand for the whole file (a rewrite or restart). */
export type ReadOutcome =
  | {
      readonly kind: 'points';
      readonly points: MetricPoint[];
      readonly replace: boolean;
      readonly problems: readonly string[];
      readonly runInfo?: RunInfo;
      /** The read changed what the reader keeps beside the store (an evaluation scored anew, with no points of its own until it is settled). */
      readonly changedAside?: boolean;
    }
  | {
      /** A source that holds several runs (an MLflow SQLite store): each part is the run `<run id>#<suffix>`. */
      readonly kind: 'runs';
      readonly runs: readonly RunPart[];
      readonly replace: boolean;
      readonly problems: readonly string[];
      /** Suffixes of parts an earlier read gave that the source no longer holds (a notebook's cleared or moved cell): their runs lose it. */
      readonly gone?: readonly string[];
    }
  | { readonly kind: 'retry'; readonly message: string }
  | { readonly kind: 'not-a-log' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'failed'; readonly message: string };

export interface RunPart {
  readonly suffix: string;
  readonly points: MetricPoint[];
  readonly runInfo?: RunInfo;
}

/**
 * Takes a read's points a chunk at a time, as they are parsed, so that a large backlog never sits in memory
 * all at once; a format that reads into columns hands them as columns (no object per point).
 * `replace` is true on the first batch of a read that starts the file over.
 */
export type PointSink = (points: MetricPoint[] | PointColumns, replace: boolean) => void;

/** Reads one source incrementally; reads of one source never overlap (the ingest sees to it). */
export interface SourceReader {
  readonly path: string;
  readonly format: string;
  /** When the source was last written, as of the last read (0 before the first). */
  readonly modifiedMs: number;
  /** For a source of several runs: when the part `suffix` was last written (its newest row), if known. */
  partModifiedMs?(suffix: string): number | undefined;
  /**
   * A reader that streams (an append-only log) hands its points to `sink` and returns none in the outcome.
   * `checked`: the path's stat taken just before, saying it is a regular file (see readerGuard.ts), for a
   * reader that would stat it again: on a first read of many small logs each stat is a round trip to a libuv
   * thread while the event loop waits.
   */
  read(sink: PointSink, checked?: Stats): Promise<ReadOutcome>;
  dispose?(): void;
}

/** What the user reads when a log they were watching is deleted: that nothing already read is lost. */
export const DELETED_FILE_MESSAGE = 'The file was deleted; what was read from it is kept until the runs are rescanned.';

export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return DELETED_FILE_MESSAGE;
  if (code === 'EACCES' || code === 'EPERM') return 'The file cannot be read (permission denied).';
  return `The file cannot be read: ${(error as Error).message}`;
}
