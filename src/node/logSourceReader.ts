import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AppendOnlyFormat, RunInfo } from '../core/formats/logFormat';
import { openRegularFile, readHandleRange, readRange, readRangeBlocking } from './fileRange';
import { type ChecksAside, checksAsideFits, readWithChecksAside } from './tfrecordChecksAside';
import { describeReadError, type PointSink, type ReadOutcome, type SourceReader } from './sourceReader';

/**
 * Small enough that a chunk's point objects die young (a 1 MiB chunk of JSONL is ~20,000 of them, enough to
 * spill out of the young generation and be copied by the collector), large enough that the read calls cost
 * nothing next to the parse.
 */
const CHUNK_BYTES = 256 * 1024;
const SNIFF_BYTES = 64 * 1024;
const HEAD_BYTES = 64;
/**
 * Backlogs (a file's first read, or more unread bytes than this) parsed at once. A scan finds hundreds of
 * logs together and their reads complete together: parsed side by side, their chunks run back to back and
 * hold the event loop for a second or more. Two keep the disk busy while one parses; an append to a file
 * already read, smaller than this, never waits.
 */
const BACKLOG_BYTES = 64 * 1024;
/**
 * A first read of a file up to this size takes all its bytes in one read, and its sniff, head and chunks are cut
 * from them: 6 file-system calls instead of 16 (stat, open, stat, read, close for each of sniff and head, and
 * again for the chunks). A workspace of a thousand small logs waited seconds on those round trips.
 */
const WHOLE_FIRST_READ_BYTES = 4 * 1024 * 1024;
const BACKLOGS_AT_ONCE = 2;

/** First come, first served: at most `size` holders at once. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async enter(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** The slot passes straight to the next in line, so one arriving meanwhile cannot jump the queue. */
  leave(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}

const backlogs = new Gate(BACKLOGS_AT_ONCE);

interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Reads an append-only log from its cursor: an append costs the size of the append, not of the file. */
export class AppendOnlyReader implements SourceReader {
  private cursor: unknown;
  private offset = 0;
  private identity: FileIdentity | undefined;
  private isLog: boolean | undefined;
  /** The file's first bytes as last read: if they change, the file was rewritten, whatever its size. */
  private head: Uint8Array = new Uint8Array(0);
  /** A restart not yet answered with points (its new content still too short to sniff): the next points replace. */
  private restartPending = false;

  /**
   * `checksAside`: where the checksum helper thread is (dist/tfrecordCheckWorker.js), when a large first read
   * of a format that can leave its checksums to one (TFRecord) may go over two cores; the CLI's report sets it.
   */
  constructor(
    readonly path: string,
    private readonly logFormat: AppendOnlyFormat<unknown>,
    private readonly checksAside?: ChecksAside,
    /** A whole first read is one blocking call (the CLI's report, see ReaderOptions.blockingReads). */
    private readonly blockingReads = false,
  ) {
    this.cursor = logFormat.initialCursor;
  }

  get format(): string {
    return this.logFormat.id;
  }

  get modifiedMs(): number {
    return this.identity?.mtimeMs ?? 0;
  }

  async read(sink: PointSink, checked?: Stats): Promise<ReadOutcome> {
    try {
      return await this.readAppended(sink, checked);
    } catch (error) {
      return { kind: 'failed', message: describeReadError(error) };
    }
  }

  private async sameHead(): Promise<boolean> {
    if (this.head.length === 0) return true;
    return sameBytes(await readRange(this.path, 0, this.head.length), this.head);
  }

  private async readAppended(sink: PointSink, checked: Stats | undefined): Promise<ReadOutcome> {
    const info = checked ?? (await stat(this.path));
    const replaced = this.identity !== undefined && (info.ino !== this.identity.ino || info.size < this.offset || !(await this.sameHead()));
    if (replaced) {
      // A file that shrank, was swapped for another, or starts differently now is a restarted run (or a CSV
      // rewritten with a new header): read it again from the start. A deleted file's inode is often reused.
      this.cursor = this.logFormat.initialCursor;
      this.offset = 0;
      this.isLog = undefined;
      this.head = new Uint8Array(0);
      this.restartPending = true;
    }
    this.identity = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    const firstWhole = this.offset === 0 && info.size <= WHOLE_FIRST_READ_BYTES;
    const whole = !firstWhole
      ? undefined
      : this.blockingReads
        ? readRangeBlocking(this.path, 0, info.size, info)
        : await readRange(this.path, 0, info.size, info);
    const range = (start: number, end: number): Promise<Uint8Array> =>
      whole === undefined ? readRange(this.path, start, end, info) : Promise.resolve(whole.slice(start, end));
    if (this.isLog === undefined) {
      const sniff = this.logFormat.sniff;
      if (sniff !== undefined) {
        const verdict = sniff(await range(0, Math.min(info.size, SNIFF_BYTES)));
        if (verdict === 'need-more') return info.size >= SNIFF_BYTES ? { kind: 'not-a-log' } : { kind: 'unchanged' };
        this.isLog = verdict === 'log';
      } else this.isLog = true;
    }
    if (!this.isLog) return { kind: 'not-a-log' };
    const headBytes = Math.min(info.size, this.logFormat.headBytes ?? HEAD_BYTES);
    if (this.head.length < headBytes) this.head = await range(0, headBytes);
    if (info.size === this.offset && !this.restartPending) return { kind: 'unchanged' };
    const problems: string[] = [];
    let runInfo: RunInfo | undefined;
    let replace = this.restartPending;
    this.restartPending = false;
    const backlog = this.offset === 0 || info.size - this.offset > BACKLOG_BYTES;
    if (backlog) await backlogs.enter();
    const take = (chunk: Uint8Array, unchecked = false): void => {
      const result =
        (unchecked ? this.logFormat.readColumnsUnchecked?.(this.cursor, chunk, this.path) : undefined) ??
        this.logFormat.readColumns?.(this.cursor, chunk, this.path) ??
        this.logFormat.readChunk(this.cursor, chunk, this.path);
      this.cursor = result.cursor;
      this.offset += chunk.length;
      sink('columns' in result ? result.columns : result.points, replace);
      replace = false;
      for (const problem of result.problems) problems.push(problem);
      runInfo = result.runInfo ?? runInfo;
    };
    const aside = this.offset === 0 && this.logFormat.readColumnsUnchecked !== undefined ? this.checksAside : undefined;
    try {
      if (aside !== undefined && (await checksAsideFits(info.size, aside))) {
        const handle = await openRegularFile(this.path);
        try {
          // Chunks the checksum helper has vouched for are decoded without the checks; every other chunk with them.
          await readWithChecksAside(handle, info.size, aside.script, CHUNK_BYTES, take);
        } finally {
          await handle.close();
        }
      } else if (whole !== undefined) for (let start = 0; start < whole.length; start += CHUNK_BYTES) take(whole.subarray(start, start + CHUNK_BYTES));
      else await this.readChunks(info.size, take);
    } finally {
      if (backlog) backlogs.leave();
    }
    // A file restarted empty still replaces what its earlier content said.
    if (replace) sink([], true);
    return { kind: 'points', points: [], replace: false, problems, ...(runInfo === undefined ? {} : { runInfo }) };
  }

  /** Hands `take` the bytes from the reader's offset up to `size`, chunk by chunk, through one open handle. */
  private async readChunks(size: number, take: (chunk: Uint8Array) => void): Promise<void> {
    const handle = await openRegularFile(this.path);
    // The next chunk is read while this one is parsed: the disk (or page cache) and the parse overlap.
    let next = readHandleRange(handle, this.offset, Math.min(size, this.offset + CHUNK_BYTES));
    try {
      while (this.offset < size) {
        const chunk = await next;
        if (chunk.length === 0) break;
        const end = this.offset + chunk.length;
        if (end < size) next = readHandleRange(handle, end, Math.min(size, end + CHUNK_BYTES));
        take(chunk);
      }
    } finally {
      // A read still in flight (the loop left early) finishes before the handle closes; its error is moot.
      await next.catch(() => undefined);
      await handle.close();
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
