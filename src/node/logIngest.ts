import { classifyLogFile, logFormat } from '../core/formats/registry';
import { RunStore } from '../core/runStore';
import type { RunInfo } from '../core/formats/logFormat';
import type { Problem } from '../core/types';
import { createSourceReader } from './hostReaders';
import type { SourceReader } from './sourceReader';

/** How often and how long a half-written trainer_state.json is retried before it is reported. */
const RETRY_DELAY_MS = 150;
const RETRIES_BEFORE_REPORT = 10;

/**
 * Feeds files into the run store: one reader per file, reads of one file never overlapping, a change that
 * arrives during a read answered by one more read. Problems are kept per file and cleared when it reads well.
 */
export class LogIngest {
  readonly store = new RunStore();
  private readonly readers = new Map<string, { reader: SourceReader; runId: string }>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly problemsByPath = new Map<string, string>();
  private readonly infoByRun = new Map<string, RunInfo>();
  private disposed = false;

  /**
   * `onChange` gets the ids of the runs whose data (or problems) changed. A one-shot reader (the CLI) sets
   * `retryIncomplete` false: it reports a half-written file at once instead of waiting for the writer.
   */
  constructor(
    private readonly onChange: (runIds: readonly string[]) => void = () => undefined,
    private readonly options: { readonly retryIncomplete: boolean } = { retryIncomplete: true },
  ) {}

  /** When any file of the run was last written: the newest run is the one being trained now. */
  runModifiedMs(runId: string): number {
    let newest = 0;
    for (const { reader, runId: id } of this.readers.values()) if (id === runId) newest = Math.max(newest, reader.modifiedMs);
    return newest;
  }

  /** True when the path is a log this ingest reads. */
  accepts(path: string): boolean {
    return classifyLogFile(path) !== undefined;
  }

  /** What the run's files said about it (its name, its hyperparameters), merged over its sources. */
  runInfo(runId: string): RunInfo | undefined {
    return this.infoByRun.get(runId);
  }

  problems(): Problem[] {
    return [...this.problemsByPath].map(([path, message]) => ({ path, message })).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Reads what is new in `path`. Resolves when the file has been read up to at least the moment of the call. */
  ingest(path: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const running = this.reading.get(path);
    if (running !== undefined) {
      this.dirty.add(path);
      return running;
    }
    const work = this.readUntilClean(path).finally(() => this.reading.delete(path));
    this.reading.set(path, work);
    return work;
  }

  private async readUntilClean(path: string): Promise<void> {
    do {
      this.dirty.delete(path);
      await this.readOnce(path);
    } while (this.dirty.has(path) && !this.disposed);
  }

  private async readOnce(path: string): Promise<void> {
    let entry = this.readers.get(path);
    if (entry === undefined) {
      const file = classifyLogFile(path);
      const format = file === undefined ? undefined : logFormat(file.format);
      const reader = file === undefined || format === undefined ? undefined : createSourceReader(path, format);
      if (file === undefined || reader === undefined) return;
      entry = { reader, runId: file.runDirectory };
      this.readers.set(path, entry);
    }
    const { reader, runId } = entry;
    const outcome = await reader.read();
    const source = { path, format: reader.format };
    let changed = false;
    switch (outcome.kind) {
      case 'points':
        this.retries.delete(path);
        if (outcome.runInfo !== undefined) changed = this.mergeRunInfo(runId, outcome.runInfo);
        changed = (outcome.replace ? this.store.replaceSource(runId, source, outcome.points) : this.store.addPoints(runId, source, outcome.points)) || changed;
        changed = this.setProblem(path, outcome.problems.length > 0 ? outcome.problems.slice(-3).join(' ') : undefined) || changed;
        break;
      case 'retry':
        if (this.options.retryIncomplete) this.scheduleRetry(path, outcome.message);
        else changed = this.setProblem(path, outcome.message);
        break;
      case 'failed':
        changed = this.setProblem(path, outcome.message);
        break;
      case 'not-a-log':
      case 'unchanged':
        break;
    }
    if (changed) this.onChange([runId]);
  }

  /** A trainer_state.json caught mid-rewrite is read again shortly; only one that stays broken is reported. */
  private scheduleRetry(path: string, message: string): void {
    const attempts = (this.retries.get(path) ?? 0) + 1;
    this.retries.set(path, attempts);
    if (attempts > RETRIES_BEFORE_REPORT && this.setProblem(path, message)) {
      const runId = this.readers.get(path)?.runId;
      if (runId !== undefined) this.onChange([runId]);
    }
    if (this.retryTimers.has(path) || this.disposed) return;
    const delay = attempts > RETRIES_BEFORE_REPORT ? RETRY_DELAY_MS * 10 : RETRY_DELAY_MS;
    this.retryTimers.set(
      path,
      setTimeout(() => {
        this.retryTimers.delete(path);
        if (attempts <= RETRIES_BEFORE_REPORT * 3) void this.ingest(path);
      }, delay),
    );
  }

  private mergeRunInfo(runId: string, info: RunInfo): boolean {
    const known = this.infoByRun.get(runId);
    const merged: RunInfo = {
      ...known,
      ...info,
      ...(known?.parameters !== undefined || info.parameters !== undefined ? { parameters: { ...known?.parameters, ...info.parameters } } : {}),
    };
    if (JSON.stringify(merged) === JSON.stringify(known)) return false;
    this.infoByRun.set(runId, merged);
    return true;
  }

  private setProblem(path: string, message: string | undefined): boolean {
    if (this.problemsByPath.get(path) === message) return false;
    if (message === undefined) this.problemsByPath.delete(path);
    else this.problemsByPath.set(path, message);
    return true;
  }

  dispose(): void {
    this.disposed = true;
    for (const { reader } of this.readers.values()) reader.dispose?.();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }
}
