import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isLfsPointer, LFS_POINTER_MAX_BYTES, LFS_POINTER_MESSAGE } from '../core/formats/lfsPointer';
import { notRegularFileMessage, readRange } from './fileRange';
import type { PointSink, ReadOutcome, SourceReader } from './sourceReader';

/**
 * What every reader's read goes through first, whatever the format: a path that is not a regular file (a
 * FIFO named like a log would block the thread that opens it forever) and a Git LFS pointer checked out in
 * place of a log are each one clear problem, and the format's reader never sees them.
 */
async function refusal(path: string, blocking: boolean): Promise<{ refused: ReadOutcome } | { checked: Stats | undefined }> {
  let info;
  try {
    info = blocking ? statSync(path) : await stat(path);
  } catch {
    // Gone or unreadable: the format's reader says so in its own words.
    return { checked: undefined };
  }
  if (!info.isFile()) return { refused: { kind: 'failed', message: notRegularFileMessage(info) } };
  if (info.size === 0 || info.size >= LFS_POINTER_MAX_BYTES) return { checked: info };
  const head = await readRange(path, 0, LFS_POINTER_MAX_BYTES, info).catch(() => undefined);
  return head !== undefined && isLfsPointer(head, info.size) ? { refused: { kind: 'failed', message: LFS_POINTER_MESSAGE } } : { checked: info };
}

/** `reader`, with the checks above before each read: a pointer later replaced by the real file (`git lfs pull`) is then read. */
export class GuardedReader implements SourceReader {
  /** `blocking`: the stat is a blocking call (the CLI's report, see ReaderOptions.blockingReads). */
  constructor(
    private readonly inner: SourceReader,
    private readonly blocking = false,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  get format(): string {
    return this.inner.format;
  }

  get modifiedMs(): number {
    return this.inner.modifiedMs;
  }

  partModifiedMs(suffix: string): number | undefined {
    return this.inner.partModifiedMs?.(suffix);
  }

  /** The stat that found a regular file goes on to the reader, which need not take its own. */
  async read(sink: PointSink): Promise<ReadOutcome> {
    const verdict = await refusal(this.inner.path, this.blocking);
    return 'refused' in verdict ? verdict.refused : this.inner.read(sink, verdict.checked);
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
