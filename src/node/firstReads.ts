/**
 * The logs a first scan finds, read newest first a few at a time instead of all at once in the order the
 * folders were listed. With a thousand runs, a thousand reads at once finish together, seconds later; read
 * newest first, the run being trained now (the one the status bar shows) is read and shown before the rest.
 */
export class FirstReads {
  /** Queued logs; the heap below orders them, and keeps entries of logs taken out until they come up. */
  private readonly pending = new Set<string>();
  private readonly heap: { readonly path: string; readonly modifiedMs: number }[] = [];
  private running = 0;
  private disposed = false;

  constructor(
    private readonly read: (path: string) => Promise<void>,
    private readonly concurrency = 8,
  ) {}

  /** Queues a log found by the scan, with its modification time (ms); one already queued keeps its place. */
  add(path: string, modifiedMs: number): void {
    if (this.disposed || this.pending.has(path)) return;
    this.pending.add(path);
    this.push({ path, modifiedMs });
    // Reads start on the next turn, so that a listing's files are all queued before the newest is picked.
    setImmediate(() => this.pump());
  }

  /** Takes a queued log out, for a read that must not wait (the file changed). */
  take(path: string): boolean {
    return this.pending.delete(path);
  }

  private pump(): void {
    while (!this.disposed && this.running < this.concurrency && this.pending.size > 0) {
      const newest = this.pop();
      if (newest === undefined) return;
      if (!this.pending.delete(newest)) continue;
      this.running++;
      void this.read(newest)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }

  /** A binary heap, newest on top: a scan of 50,000 files (an MLflow store) costs O(log n) a file, not O(n). */
  private push(entry: { readonly path: string; readonly modifiedMs: number }): void {
    const heap = this.heap;
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as typeof entry).modifiedMs >= entry.modifiedMs) break;
      heap[i] = heap[parent] as typeof entry;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): string | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top?.path;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as typeof last).modifiedMs > (heap[left] as typeof last).modifiedMs ? right : left;
      if ((heap[child] as typeof last).modifiedMs <= last.modifiedMs) break;
      heap[i] = heap[child] as typeof last;
      i = child;
    }
    heap[i] = last;
    return top.path;
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
    this.heap.length = 0;
  }
}
