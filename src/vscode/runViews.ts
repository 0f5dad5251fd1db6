import { buildRunView, type RunView } from '../core/runView';
import type { RunSession } from '../node/runSession';
import type { Settings } from './settings';
import { withWarningSettings } from '../core/analysis/warningSettings';

/** Builds what the views show from the session's store; analysis runs here, once per change, not per view. */
export function runViews(session: RunSession, settings: Settings, runIds: readonly string[] = session.store.runIds()): RunView[] {
  return runIds.flatMap((id) => {
    const snapshot = session.store.snapshot(id);
    return snapshot === undefined ? [] : [withWarningSettings(buildRunView(snapshot, session.label(id), settings.roleOverrides), settings.warnings)];
  });
}

/**
 * The run the status bar speaks for: the most recently written run that logs an eval accuracy, so that
 * a live run wins over finished ones.
 */
export function activeRun(session: RunSession, views: ReadonlyMap<string, RunView>): RunView | undefined {
  const recent = session.recentlyChanged();
  for (let i = recent.length - 1; i >= 0; i--) {
    const view = views.get(recent[i] as string);
    if (view?.latest !== null && view !== undefined) return view;
  }
  return [...views.values()].find((view) => view.latest !== null);
}
