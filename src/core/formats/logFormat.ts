import type { PointColumns } from '../pointColumns';
import type { MetricPoint } from '../types';
import type { XUnit } from '../xUnit';

/** What a run's own files say about it beyond numbers: a name a user gave it and its hyperparameters. */
export interface RunInfo {
  readonly name?: string;
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
  /** The steps of the `checkpoint-N` folders in the run's folder as last listed, ascending; set by the ingest, not by a log. */
  readonly checkpoints?: readonly number[];
  /** What the run's x counts, when its reader decided it (a notebook's printed dicts give only the epoch); absent: steps. */
  readonly xUnit?: XUnit;
}

/** Which reader a path needs and which run it belongs to, judged from the path alone. */
export interface LogFile {
  readonly format: string;
  /** The directory that is the run: an HF output_dir owns the trainer states of its `checkpoint-*` folders. */
  readonly runDirectory: string;
}

export interface ChunkResult<Cursor> {
  readonly points: MetricPoint[];
  readonly cursor: Cursor;
  /** Complete records that could not be used, in words a user can act on. */
  readonly problems: readonly string[];
  readonly runInfo?: RunInfo;
}

/** `ChunkResult` with the points as columns, for the store's bulk append (see PointColumns). */
export interface ColumnChunkResult<Cursor> {
  readonly columns: PointColumns;
  readonly cursor: Cursor;
  readonly problems: readonly string[];
  readonly runInfo?: RunInfo;
}

/** A sniff's answer: a log of this format, not one, or too few bytes yet to tell. */
export type SniffResult = 'log' | 'not-a-log' | 'need-more';

interface FormatBase {
  readonly id: string;
  /** How the panel and the report name the format. */
  readonly label: string;
  /** The run this path belongs to when it is a file of this format; undefined when it is not. */
  classify(path: string): LogFile | undefined;
  /**
   * The file holds the run's final values with no step of their own (HF's `all_results.json`): whatever step
   * its points carry, the ingest places them at the run's last step, and moves them when the run goes on.
   */
  readonly finalValues?: boolean;
  /**
   * Folder names inside which this format reads files that are otherwise skipped unread as model weights
   * (`.safetensors`, `.npy`): the watcher and the walker must let them through there.
   */
  readonly tensorFolders?: readonly string[];
}

/**
 * A log that only grows (JSONL, TFRecord, LevelDB-log, CSV, console): read from a cursor, so an append costs
 * the size of the append. Bytes of an unfinished record stay in the cursor until the rest arrives. A file
 * that shrinks or whose first bytes change was restarted and is read again from `initialCursor`.
 */
export interface AppendOnlyFormat<Cursor> extends FormatBase {
  readonly kind: 'append';
  readonly initialCursor: Cursor;
  /** Decides from the file's first bytes (up to 64 KiB) whether it is worth reading at all. */
  sniff?(head: Uint8Array): SniffResult;
  /** How many of the file's first bytes identify it (64 unless given): a rewrite that changes them is a restart. */
  readonly headBytes?: number;
  readChunk(cursor: Cursor, chunk: Uint8Array, path: string): ChunkResult<Cursor>;
  /**
   * The same read as `readChunk`, the same points as columns: formats whose logs run to millions of points
   * (TensorBoard, JSONL) skip one object per point. The ingest uses it where a format has it.
   */
  readColumns?(cursor: Cursor, chunk: Uint8Array, path: string): ColumnChunkResult<Cursor>;
  /**
   * For TFRecord framing only: `readColumns` leaving each record's data checksum to a helper thread that runs
   * TfrecordChecks over the same bytes and has passed every record the chunk ends (the CLI's first read of a large
   * event file, src/node/tfrecordChecksAside.ts).
   */
  readColumnsUnchecked?(cursor: Cursor, chunk: Uint8Array, path: string): ColumnChunkResult<Cursor>;
}

/** One run of a file that holds several (a notebook's trainings): the run `<runDirectory>#<suffix>`. */
export interface WholeFilePart {
  readonly suffix: string;
  readonly points: MetricPoint[];
  readonly runInfo?: RunInfo;
}

export type WholeFileResult =
  | {
      readonly kind: 'ok';
      readonly points: MetricPoint[];
      readonly problems: readonly string[];
      readonly runInfo?: RunInfo;
      /** The points as columns instead, for a file of many (then `points` is empty). */
      readonly columns?: PointColumns;
      /** Set by a file of several runs: each part is a run of its own, and `points` is empty. */
      readonly parts?: readonly WholeFilePart[];
      /** The file ended before its content did (being written?): what it held was read, and a part it lacks is not gone. */
      readonly cut?: boolean;
    }
  /** Caught mid-rewrite: the caller retries and reports it only if the file stays so. */
  | { readonly kind: 'incomplete'; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

/** A file rewritten whole (trainer_state.json, results JSON, hparams/meta YAML): parsed whole when it changes. */
export interface WholeFileFormat extends FormatBase {
  readonly kind: 'whole';
  parse(bytes: Uint8Array, path: string): WholeFileResult;
}

/** A source that needs the host to read it (a SQLite database, evaluation outputs computed in workers). */
export interface HostReadFormat extends FormatBase {
  readonly kind: 'host';
}

/** The cursor type is each format's own business: the reader only keeps it and hands it back. */
export type LogFormat = AppendOnlyFormat<unknown> | WholeFileFormat | HostReadFormat;
