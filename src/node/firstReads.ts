/**
 * The logs a first scan finds, read newest first a few at a time instead of all at once in the order the
 * folders were listed. With a thousand runs, a thousand reads at once finish together, seconds later; read
 * newest first, the run being trained now (the one the status bar shows) is read and shown before the rest.
 */
export class FirstReads {
  private readonly pending = new Map<string, number>();
  private running = 0;
  private disposed = false;

  constructor(
    private readonly read: (path: string) => Promise<void>,
    private readonly concurrency = 8,
  ) {}

  /** Queues a log found by the scan, with its modification time (ms); one already queued keeps its place. */
  add(path: string, modifiedMs: number): void {
    if (this.disposed || this.pending.has(path)) return;
    this.pending.set(path, modifiedMs);
    // Reads start on the next turn, so that a listing's files are all queued before the newest is picked.
    setImmediate(() => this.pump());
  }

  /** Takes a queued log out, for a read that must not wait (the file changed). */
  take(path: string): boolean {
    return this.pending.delete(path);
  }

  private pump(): void {
    while (!this.disposed && this.running < this.concurrency && this.pending.size > 0) {
      let newest: string | undefined;
      let newestMs = Number.NEGATIVE_INFINITY;
      for (const [path, modifiedMs] of this.pending) {
        if (modifiedMs > newestMs || newest === undefined) {
          newest = path;
          newestMs = modifiedMs;
        }
      }
      if (newest === undefined) return;
      this.pending.delete(newest);
      this.running++;
      void this.read(newest)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
  }
}
