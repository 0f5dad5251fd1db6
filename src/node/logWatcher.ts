import { existsSync, watch as watchDirectory, type FSWatcher as DirectoryWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LogIngest } from './logIngest';

/**
 * chokidar drops a file's `change` events for 50 ms after one it reported (it throttles, with no trailing
 * event), so a write that lands just after another would wait for the next write, maybe forever at the end of
 * a run. Every event is therefore followed by one more read this long after the last event for that file.
 */
const TRAILING_READ_MS = 80;

/**
 * Watches one root with chokidar (native file events, no polling) and hands every log file that appears
 * or changes to the ingest. The initial scan is chokidar's own: files found then are read like new ones.
 * A root that does not exist yet (an output_dir before training starts) is waited for by watching its
 * nearest existing ancestor, still without polling; so is a root that is deleted and created again.
 */
export class LogWatcher {
  private watcher: FSWatcher | undefined;
  private ancestorWatcher: DirectoryWatcher | undefined;
  private disposed = false;
  private readonly trailingReads = new Map<string, ReturnType<typeof setTimeout>>();
  readonly ready: Promise<void>;

  constructor(
    private readonly root: string,
    private readonly ingest: LogIngest,
    private readonly onError: (message: string) => void,
  ) {
    this.ready = existsSync(root) ? this.start() : (this.waitForRoot(), Promise.resolve());
  }

  private start(): Promise<void> {
    const watcher = watch(this.root, { ignored: (path) => this.ingest.ignores(path), ignoreInitial: false, persistent: true });
    this.watcher = watcher;
    const onFile = (path: string): void => {
      if (!this.ingest.accepts(path)) return;
      void this.ingest.ingest(path);
      clearTimeout(this.trailingReads.get(path));
      this.trailingReads.set(
        path,
        setTimeout(() => {
          this.trailingReads.delete(path);
          if (!this.disposed) void this.ingest.ingest(path);
        }, TRAILING_READ_MS),
      );
    };
    watcher.on('add', onFile).on('change', onFile);
    watcher.on('unlink', (path) => this.ingest.deleted(path));
    // chokidar stops at a deleted root; a training restart often deletes and recreates its output_dir.
    watcher.on('unlinkDir', (path) => {
      if (path !== this.root || this.disposed) return;
      this.watcher = undefined;
      void watcher.close();
      this.waitForRoot();
    });
    watcher.on('error', (error) => this.onError(`Watching ${this.root} failed: ${(error as Error).message}`));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  private waitForRoot(): void {
    let ancestor = dirname(this.root);
    while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
    try {
      this.ancestorWatcher = watchDirectory(ancestor, () => {
        if (this.disposed || existsSync(ancestor) === false) return;
        this.ancestorWatcher?.close();
        this.ancestorWatcher = undefined;
        if (existsSync(this.root)) void this.start();
        else this.waitForRoot();
      });
      this.ancestorWatcher.on('error', () => undefined);
    } catch (error) {
      this.onError(`Cannot wait for ${this.root} to appear: ${(error as Error).message}`);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const timer of this.trailingReads.values()) clearTimeout(timer);
    this.trailingReads.clear();
    this.ancestorWatcher?.close();
    await this.watcher?.close();
  }
}
