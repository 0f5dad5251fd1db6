import { existsSync, realpathSync, watch as watchDirectory, type FSWatcher as DirectoryWatcher, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import type { LogIngest } from './logIngest';
import { invalidNameMessage, showRawName, specialFileKind, specialFileMessage, utf8Name, type FolderClaims } from './folderClaims';
import { walkLogs } from './walkLogs';
import { FirstReads } from './firstReads';
import { isEvaluationSidecar, sidecarEvaluations } from './tokens/sidecarEvaluations';

/**
 * chokidar drops a file's `change` events for 50 ms after one it reported (it throttles, with no trailing
 * event), so a write that lands just after another would wait for the next write, maybe forever at the end of
 * a run. Every event is therefore followed by one more read this long after the last event for that file.
 */
const TRAILING_READ_MS = 80;
/** A folder made again is listed once more this long after it is watched anew: logs written right after it came back. */
const TRAILING_LISTING_MS = 250;

/** How often a root is polled once native watching failed for lack of watches. */
export const POLL_INTERVAL_MS = 2000;

/** How a watcher is made: chokidar's `watch`, or a stand-in that injects faults in tests. */
export type WatcherFactory = (root: string, options: ChokidarOptions) => FSWatcher;

/** What the watchers of one session share: which folder is read under which path, and where notes go. */
export interface WatchContext {
  readonly claims: FolderClaims;
  /** A note about a path the watcher cannot read (a FIFO, a name that is not UTF-8, a root polled); undefined clears it. */
  readonly note: (path: string, message: string | undefined) => void;
  readonly createWatcher: WatcherFactory;
}

/** Errors that mean the system gave out watches or descriptors: the root is then polled instead. */
const OUT_OF_WATCHES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

/** What the panel and status bar say while a root is polled, with the fix. */
export function pollingMessage(code: string): string {
  const cause =
    code === 'ENOSPC'
      ? "the system's limit of file watches (inotify) is reached. To watch natively again, raise it, for example `sudo sysctl fs.inotify.max_user_watches=524288` (add `fs.inotify.max_user_watches=524288` to a file in /etc/sysctl.d/ to keep it), then run Rescan Log Directories."
      : `the system refused more watches or open files (${code}). To watch natively again, raise fs.inotify.max_user_instances (\`sudo sysctl fs.inotify.max_user_instances=1024\`) or the open-file limit (\`ulimit -n\`), and fs.inotify.max_user_watches if it is low, then run Rescan Log Directories.`;
  return `Watched by polling every ${POLL_INTERVAL_MS / 1000} s, not by file events: ${cause}`;
}

function realPathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Watches one root with chokidar (native file events; polling only when the system is out of watches) and
 * hands every log file that appears or changes to the ingest. The initial scan is chokidar's own: files
 * found then are read like new ones. Only folders, logs and evaluations' metadata sidecars are watched: a
 * dataset folder of images costs one watch, not one per image. A root that does not exist yet (an output_dir
 * before training starts) is waited for by watching its nearest existing ancestor; so is a root that is
 * deleted. A folder deleted and made again at once (a restarted run) keeps no watch from before, so it is
 * watched again from scratch.
 */
export class LogWatcher {
  private watcher: FSWatcher | undefined;
  private ancestorWatcher: DirectoryWatcher | undefined;
  private parentWatcher: DirectoryWatcher | undefined;
  private ancestorPoll: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private polling = false;
  private readonly trailingReads = new Map<string, ReturnType<typeof setTimeout>>();
  /** The logs the initial scan finds, read newest first; after the scan, a log is read as soon as it is seen. */
  private readonly firstReads = new FirstReads((path) => this.read(path));
  private scanning = true;
  private readonly trailingListings = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly rearming = new Set<string>();
  private readonly rearmAgain = new Set<string>();
  /** Watched folders seen deleted: made again, each is watched from scratch. */
  private readonly gone = new Set<string>();
  /** Per folder, the notes given for names in it that are not UTF-8, so that they can be cleared. */
  private readonly badNames = new Map<string, Set<string>>();
  readonly ready: Promise<void>;

  constructor(
    readonly root: string,
    private readonly ingest: LogIngest,
    private readonly onError: (message: string) => void,
    private readonly context: WatchContext,
  ) {
    this.watchParent();
    this.ready = existsSync(root) ? this.start() : (this.parentWatcher === undefined ? this.waitForRoot() : undefined, Promise.resolve());
  }

  /**
   * The root's parent is watched for the root's name: a root deleted and made again at once leaves chokidar
   * on the deleted folder, with no event of its own to say so; its parent's events always come.
   */
  private watchParent(): void {
    const name = basename(this.root);
    try {
      this.parentWatcher = watchDirectory(dirname(this.root), (_event, changed) => {
        if (changed === name && !this.disposed) this.rearm(this.root);
      });
      this.parentWatcher.on('error', () => undefined);
    } catch {
      // No parent yet, or no watch left: waitForRoot looks for the root instead.
    }
  }

  /** True when the root is polled because native watching failed. */
  get isPolling(): boolean {
    return this.polling;
  }

  private start(): Promise<void> {
    // One watcher per root, however the start came (the root made again, seen by a rename event and by the ancestor's watch).
    void this.watcher?.close();
    this.ancestorWatcher?.close();
    this.ancestorWatcher = undefined;
    clearTimeout(this.ancestorPoll);
    const watcher = this.context.createWatcher(this.root, {
      ignored: (path, stats) => this.skips(path, stats),
      ignoreInitial: false,
      persistent: true,
      usePolling: this.polling,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
    });
    this.watcher = watcher;
    watcher.on('add', (path, stats) => {
      this.ingest.listings.saw(path, 'file');
      this.onFile(path, stats, this.scanning);
    });
    watcher.on('change', (path, stats) => this.onFile(path, stats));
    watcher.on('unlink', (path) => {
      this.ingest.listings.gone(path);
      this.ingest.deleted(path);
      this.context.note(path, undefined);
      this.onSidecar(path);
    });
    watcher.on('addDir', (path) => {
      this.ingest.listings.saw(path, 'directory');
      void this.ingest.folderChanged(path);
      void this.checkNames(path);
    });
    watcher.on('unlinkDir', (path) => {
      this.ingest.listings.gone(path);
      void this.ingest.folderChanged(path);
      // chokidar saw it go, so it will see it come back: nothing to remember.
      this.gone.delete(path);
      this.context.claims.release(path);
      // chokidar stops at a deleted root; a training restart often deletes and recreates its output_dir.
      // A watcher already replaced (the root made again) has nothing more to say about it.
      if (path !== this.root || this.disposed || this.watcher !== watcher) return;
      this.watcher = undefined;
      void watcher.close();
      if (this.parentWatcher === undefined) this.waitForRoot();
    });
    watcher.on('raw', (event: string, name: unknown, details: unknown) => {
      if (this.watcher === watcher) this.onRaw(event, name, details);
    });
    watcher.on('error', (error) => this.onWatchError(watcher, error as NodeJS.ErrnoException));
    return new Promise((resolve) =>
      watcher.once('ready', () => {
        this.scanning = false;
        resolve();
      }),
    );
  }

  /** `initial`: found by the first scan, so queued to be read newest first (see FirstReads). */
  private onFile(path: string, stats: Stats | undefined, initial = false): void {
    if (!this.ingest.accepts(path)) {
      this.onSidecar(path);
      return;
    }
    // A log replaced by a named pipe of the same name is reported as a change of the file it was.
    const kind = stats === undefined ? undefined : specialFileKind(stats);
    if (kind !== undefined) {
      this.context.note(path, specialFileMessage(kind));
      return;
    }
    if (initial && stats !== undefined) this.firstReads.add(path, stats.mtimeMs);
    else {
      this.firstReads.take(path);
      void this.read(path);
    }
  }

  private read(path: string): Promise<void> {
    const read = this.ingest.ingest(path);
    clearTimeout(this.trailingReads.get(path));
    this.trailingReads.set(
      path,
      setTimeout(() => {
        this.trailingReads.delete(path);
        if (!this.disposed) void this.ingest.ingest(path);
      }, TRAILING_READ_MS),
    );
    return read;
  }

  /** A metadata sidecar written, changed or deleted: the evaluations it speaks for are read again, as if they had changed. */
  private onSidecar(path: string): void {
    if (!isEvaluationSidecar(path, (candidate) => this.ingest.accepts(candidate))) return;
    void sidecarEvaluations(path, (candidate) => this.ingest.accepts(candidate)).then((evaluations) => {
      for (const evaluation of evaluations) if (!this.disposed) this.onFile(evaluation, undefined);
    });
  }

  /**
   * chokidar's `ignored`, asked with the entry's stats where it has them. Heavy folders and weights are
   * skipped by path; with stats, files that are not logs are skipped (never watched), special files are
   * skipped with a note, and a folder is entered only under the path that claims it (links, loops).
   */
  private skips(path: string, stats: Stats | undefined): boolean {
    if (this.ingest.ignores(path)) return true;
    if (stats === undefined) return false;
    if (stats.isSymbolicLink()) {
      // Asked again with the target's stats once chokidar follows it.
      this.context.claims.markLink(path);
      return false;
    }
    if (stats.isDirectory()) {
      const { claims } = this.context;
      const before = claims.identity(path);
      const admitted = claims.admit(path, stats, claims.throughLink(path) ? realPathOrUndefined(path) : undefined);
      // The same path is now another folder: deleted and made again faster than chokidar noticed.
      if (admitted && before !== undefined && before !== claims.identity(path)) this.rearm(path);
      return !admitted;
    }
    // A metadata sidecar is watched for its evaluations' sake, never read as a log.
    if (stats.isFile()) return !this.ingest.accepts(path) && !isEvaluationSidecar(path, (candidate) => this.ingest.accepts(candidate));
    const kind = specialFileKind(stats);
    if (kind !== undefined && this.ingest.accepts(path)) this.context.note(path, specialFileMessage(kind));
    return true;
  }

  /**
   * A raw event. `rename` naming a watched folder (in its parent's watch, or its own when it is deleted or
   * moved) may mean it was replaced: its watch then stays on the deleted folder, and the new one, often with
   * the very same inode number, would never be read again. Such a folder is checked, and watched anew if it
   * is there. A name chokidar could not stat may not be UTF-8.
   */
  private onRaw(event: string, name: unknown, details: unknown): void {
    const watched = typeof details === 'object' && details !== null && 'watchedPath' in details ? (details as { watchedPath: unknown }).watchedPath : undefined;
    if (event !== 'rename' || typeof watched !== 'string' || typeof name !== 'string') return;
    if (name.includes('\uFFFD')) void this.checkNames(watched);
    const candidates = basename(watched) === name ? [watched, join(watched, name)] : [join(watched, name)];
    for (const path of candidates) if (this.context.claims.identity(path) !== undefined || this.gone.has(path)) this.rearm(path);
  }

  /** Checks a folder that may have been replaced, once per burst of events; one more time if events came during the check. */
  private rearm(path: string): void {
    if (this.disposed) return;
    if (this.rearming.has(path)) {
      this.rearmAgain.add(path);
      return;
    }
    this.rearming.add(path);
    setImmediate(
      () =>
        void this.rearmNow(path).finally(() => {
          this.rearming.delete(path);
          if (this.rearmAgain.delete(path)) this.rearm(path);
        }),
    );
  }

  /** A folder that is gone is remembered until it comes back; one that is there is watched from scratch and its logs read. */
  private async rearmNow(path: string): Promise<void> {
    const now = await stat(path).catch(() => undefined);
    if (this.disposed) return;
    this.context.claims.release(path);
    // The folder's listing is of the folder that was deleted.
    this.ingest.listings.gone(path);
    if (now?.isDirectory() !== true) {
      this.gone.add(path);
      if (path === this.root && this.watcher !== undefined) {
        const watcher = this.watcher;
        this.watcher = undefined;
        await watcher.close();
      }
      return;
    }
    this.gone.delete(path);
    const watcher = this.watcher;
    if (path === this.root) {
      this.watcher = undefined;
      await watcher?.close();
      if (!this.disposed && this.watcher === undefined) await this.start();
      return;
    }
    if (watcher === undefined) return;
    watcher.unwatch(path);
    watcher.add(path);
    // chokidar remembers the old folder's entries and would not report files of the same names as new.
    const readFolder = async (): Promise<void> => {
      const files = await walkLogs(path, (problem) => this.context.note(problem.path, problem.message), this.ingest).catch(() => []);
      for (const file of files) if (!this.disposed) void this.ingest.ingest(file);
    };
    await readFolder();
    // A restarted training writes its first log the moment the folder is back: written just after that
    // listing, it is reported by nobody (chokidar still knows the name), so the folder is listed once more
    // a moment later, as a trailing read does for a file. Seen under load: five rmtree + makedirs in a row
    // left the last folder's log unread.
    clearTimeout(this.trailingListings.get(path));
    this.trailingListings.set(
      path,
      setTimeout(() => {
        this.trailingListings.delete(path);
        if (!this.disposed) void readFolder();
      }, TRAILING_LISTING_MS),
    );
  }

  /**
   * chokidar drops a name it cannot stat, silently; a name that is not valid UTF-8 is such a name (it comes
   * back with replacement characters). The folder's raw names are read to say so.
   */
  private async checkNames(folder: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true, encoding: 'buffer' }).catch(() => undefined);
    if (entries === undefined || this.disposed) return;
    const noted = new Set<string>();
    for (const entry of entries) {
      if (utf8Name(entry.name) !== undefined) continue;
      const path = join(folder, showRawName(entry.name));
      noted.add(path);
      this.context.note(path, invalidNameMessage(entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'entry'));
    }
    for (const path of this.badNames.get(folder) ?? []) if (!noted.has(path)) this.context.note(path, undefined);
    if (noted.size > 0) this.badNames.set(folder, noted);
    else this.badNames.delete(folder);
  }

  /** Out of watches (ENOSPC) or descriptors (EMFILE): the root is watched again by polling, and the user told how to fix it. */
  private onWatchError(watcher: FSWatcher, error: NodeJS.ErrnoException): void {
    if (this.watcher !== watcher || this.disposed) return;
    const code = error.code ?? '';
    if (!OUT_OF_WATCHES.has(code) || this.polling) {
      this.onError(`Watching ${this.root} failed: ${error.message}`);
      return;
    }
    this.polling = true;
    this.onError(`Watching ${this.root} failed (${code}); it is polled every ${POLL_INTERVAL_MS / 1000} s instead.`);
    this.context.note(this.root, pollingMessage(code));
    this.watcher = undefined;
    void watcher.close().then(() => (this.disposed ? undefined : this.start()));
  }

  private waitForRoot(): void {
    let ancestor = dirname(this.root);
    while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
    const check = (): void => {
      if (this.disposed || this.watcher !== undefined || !existsSync(ancestor)) return;
      this.ancestorWatcher?.close();
      this.ancestorWatcher = undefined;
      if (existsSync(this.root)) void this.start();
      else this.waitForRoot();
    };
    try {
      this.ancestorWatcher = watchDirectory(ancestor, check);
      this.ancestorWatcher.on('error', () => undefined);
      // Made again before the watch above began (rmtree + makedirs): no event will come for it.
      check();
    } catch (error) {
      if (!OUT_OF_WATCHES.has((error as NodeJS.ErrnoException).code ?? '')) {
        this.onError(`Cannot wait for ${this.root} to appear: ${(error as Error).message}`);
        return;
      }
      // No watch left to wait with: the folder is looked for every poll interval instead.
      this.ancestorPoll = setTimeout(() => {
        this.ancestorPoll = undefined;
        check();
      }, POLL_INTERVAL_MS);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.firstReads.dispose();
    for (const timer of [...this.trailingReads.values(), ...this.trailingListings.values()]) clearTimeout(timer);
    this.trailingReads.clear();
    this.trailingListings.clear();
    clearTimeout(this.ancestorPoll);
    this.ancestorWatcher?.close();
    this.parentWatcher?.close();
    await this.watcher?.close();
  }
}

/** chokidar itself, the watcher every session uses outside tests. */
export const chokidarWatcher: WatcherFactory = (root, options) => watch(root, options);
