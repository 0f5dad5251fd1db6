import { watch, type FSWatcher } from 'chokidar';
import { isIgnoredPath } from '../core/logFiles';
import type { LogIngest } from './logIngest';

/**
 * Watches directories with chokidar (native file events, no polling) and hands every log file that appears
 * or changes to the ingest. The initial scan is chokidar's own: files found then are read like new ones.
 */
export class LogWatcher {
  private readonly watcher: FSWatcher;
  readonly ready: Promise<void>;

  constructor(roots: readonly string[], ingest: LogIngest, onError: (message: string) => void) {
    this.watcher = watch([...roots], {
      ignored: (path) => isIgnoredPath(path),
      ignoreInitial: false,
      persistent: true,
      alwaysStat: false,
    });
    const onFile = (path: string): void => {
      if (ingest.accepts(path)) void ingest.ingest(path);
    };
    this.watcher.on('add', onFile).on('change', onFile);
    this.watcher.on('error', (error) => onError(`Watching logs failed: ${(error as Error).message}`));
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  async dispose(): Promise<void> {
    await this.watcher.close();
  }
}
