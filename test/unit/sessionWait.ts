import { performance } from 'node:perf_hooks';
import type { RunSession } from '../../src/node/runSession';

/**
 * Resolves when `check` holds after a change the session reports, with the milliseconds it took; the
 * watcher is real (chokidar, native events). A timeout says what the store held, which shows what did arrive.
 */
export function waitFor(session: RunSession, check: () => boolean): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (check()) return resolve(0);
    const state = (): string => JSON.stringify(session.store.runIds().map((id) => [id, [...(session.store.snapshot(id)?.metrics ?? [])]]));
    const timer = setTimeout(() => reject(new Error(`no change reported within 10 s; the store holds ${state()}`)), 10_000);
    const subscription = session.onRunsChanged(() => {
      if (!check()) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(performance.now() - started);
    });
  });
}
