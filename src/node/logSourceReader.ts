import { open, stat } from 'node:fs/promises';
import { EMPTY_JSONL_CURSOR, looksLikeJsonlMetricLog, readJsonlChunk, type JsonlCursor } from '../core/formats/jsonlFormat';
import { parseTrainerState } from '../core/formats/trainerStateFormat';
import type { FormatId, MetricPoint } from '../core/types';

/** What one read of a file produced. `replace` means the points stand for the whole file (a rewrite or restart). */
export type ReadOutcome =
  | { readonly kind: 'points'; readonly points: MetricPoint[]; readonly replace: boolean; readonly problems: readonly string[] }
  | { readonly kind: 'retry'; readonly message: string }
  | { readonly kind: 'not-a-log' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'failed'; readonly message: string };

const CHUNK_BYTES = 1 << 20;
const SNIFF_BYTES = 64 * 1024;
const HEAD_BYTES = 64;

async function readRange(path: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(end - start);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'The file was deleted.';
  if (code === 'EACCES' || code === 'EPERM') return 'The file cannot be read (permission denied).';
  return `The file cannot be read: ${(error as Error).message}`;
}

/** Reads one log file incrementally: JSONL from its cursor, trainer_state.json whole when it changed. */
export class LogSourceReader {
  private cursor: JsonlCursor = EMPTY_JSONL_CURSOR;
  private identity: { ino: number; size: number; mtimeMs: number } | undefined;
  private isLog: boolean | undefined;
  /** The file's first bytes as last read: if they change, the file was rewritten, whatever its size. */
  private head: Uint8Array = new Uint8Array(0);

  constructor(
    readonly path: string,
    readonly format: FormatId,
  ) {}

  /** When the file was last written, as of the last read (0 before the first). */
  get modifiedMs(): number {
    return this.identity?.mtimeMs ?? 0;
  }

  async read(): Promise<ReadOutcome> {
    try {
      return this.format === 'hf-trainer-state' ? await this.readTrainerState() : await this.readJsonl();
    } catch (error) {
      return { kind: 'failed', message: describe(error) };
    }
  }

  private async sameHead(): Promise<boolean> {
    if (this.head.length === 0) return true;
    return sameBytes(await readRange(this.path, 0, this.head.length), this.head);
  }

  private async readTrainerState(): Promise<ReadOutcome> {
    const info = await stat(this.path);
    const identity = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    if (this.identity && sameIdentity(this.identity, identity)) return { kind: 'unchanged' };
    const text = new TextDecoder().decode(await readRange(this.path, 0, info.size));
    const result = parseTrainerState(text);
    if (result.kind === 'incomplete') return { kind: 'retry', message: result.message };
    this.identity = identity;
    if (result.kind === 'invalid') return { kind: 'failed', message: result.message };
    return { kind: 'points', points: result.points, replace: true, problems: [] };
  }

  private async readJsonl(): Promise<ReadOutcome> {
    const info = await stat(this.path);
    const replaced = this.identity !== undefined && (info.ino !== this.identity.ino || info.size < this.cursor.offset || !(await this.sameHead()));
    if (replaced) {
      // A file that shrank, was swapped for another, or starts differently now is a restarted run:
      // read it again from the start. (A deleted file's inode number is often reused at once.)
      this.cursor = EMPTY_JSONL_CURSOR;
      this.isLog = undefined;
      this.head = new Uint8Array(0);
    }
    this.identity = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    if (this.isLog === undefined) {
      const head = new TextDecoder().decode(await readRange(this.path, 0, Math.min(info.size, SNIFF_BYTES)));
      if (!head.includes('\n')) return { kind: 'unchanged' };
      this.isLog = looksLikeJsonlMetricLog(head);
    }
    if (!this.isLog) return { kind: 'not-a-log' };
    if (this.head.length < Math.min(info.size, HEAD_BYTES)) this.head = await readRange(this.path, 0, Math.min(info.size, HEAD_BYTES));
    if (info.size === this.cursor.offset) return replaced ? { kind: 'points', points: [], replace: true, problems: [] } : { kind: 'unchanged' };
    const points: MetricPoint[] = [];
    const problems: string[] = [];
    while (this.cursor.offset < info.size) {
      const end = Math.min(info.size, this.cursor.offset + CHUNK_BYTES);
      const chunk = await readRange(this.path, this.cursor.offset, end);
      if (chunk.length === 0) break;
      const result = readJsonlChunk(this.cursor, chunk);
      this.cursor = result.cursor;
      for (const point of result.points) points.push(point);
      for (const bad of result.badLines) problems.push(`Line ${bad.line} is ${bad.message}; it was skipped.`);
    }
    return { kind: 'points', points, replace: replaced, problems };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function sameIdentity(a: { ino: number; size: number; mtimeMs: number }, b: { ino: number; size: number; mtimeMs: number }): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
