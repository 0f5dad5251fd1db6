import { buildRunView, seriesData, type RunView, type SeriesData } from '../core/runView';
import type { RunStore } from '../core/runStore';
import { seriesWindow } from '../core/seriesWindow';
import type { RunSession } from '../node/runSession';
import type { SeriesRequest } from '../protocol';
import type { Settings } from './settings';
import { withWarningSettings } from '../core/analysis/warningSettings';

/** Builds what the views show from the session's store; analysis runs here, once per change, not per view. */
export function runViews(session: RunSession, settings: Settings, runIds: readonly string[] = session.store.runIds()): RunView[] {
  return runIds.flatMap((id) => {
    const snapshot = session.store.snapshot(id);
    return snapshot === undefined ? [] : [withWarningSettings(session.withOutputEvidence(buildRunView(snapshot, session.label(id), settings.roleOverrides, session.modifiedMs(id))), settings.warnings)];
  });
}

/** A series from the store at the detail the webview asked for: a window when zoomed, the whole run when not. */
export function requestedSeries(store: Pick<RunStore, 'snapshot'>, request: SeriesRequest): SeriesData | null {
  const series = store.snapshot(request.runId)?.metrics.get(request.key);
  if (series === undefined) return null;
  const from = request.from ?? Number.NEGATIVE_INFINITY;
  const to = request.to ?? Number.POSITIVE_INFINITY;
  return seriesData(request.key, seriesWindow(series, from, to));
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
