import { performance } from 'node:perf_hooks';

/**
 * Works through queued keys in slices of about `budgetMs`, giving the event loop back between slices. The
 * first scan of a workspace with many long runs needs seconds of analysis; done in one go it would hold the
 * extension host (and every other extension) that long. A key queued again before its turn is done once.
 */
export class SlicedQueue<Result> {
  private readonly pending = new Set<string>();
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private disposed = false;

  constructor(
    private readonly compute: (key: string) => Result,
    private readonly apply: (results: ReadonlyMap<string, Result>) => void,
    private readonly budgetMs = 30,
  ) {}

  add(keys: Iterable<string>): void {
    for (const key of keys) this.pending.add(key);
    if (this.scheduled === undefined && !this.disposed && this.pending.size > 0) this.runSlice();
  }

  /** True while keys wait for a later slice. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  private runSlice(): void {
    this.scheduled = undefined;
    const started = performance.now();
    const results = new Map<string, Result>();
    for (const key of this.pending) {
      this.pending.delete(key);
      results.set(key, this.compute(key));
      if (performance.now() - started >= this.budgetMs) break;
    }
    if (this.pending.size > 0 && !this.disposed) this.scheduled = setImmediate(() => this.runSlice());
    this.apply(results);
  }

  dispose(): void {
    this.disposed = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.pending.clear();
  }
}
