import { statSync } from 'node:fs';
import { buildRunView, seriesData, type RunView, type SeriesData } from '../core/runView';
import type { RunStore } from '../core/runStore';
import { seriesWindow } from '../core/seriesWindow';
import type { RunSession } from '../node/runSession';
import type { SeriesRequest } from '../protocol';
import type { Settings } from './settings';
import { withWarningSettings } from '../core/analysis/warningSettings';
import { withOutputEvidence } from '../node/tokens/confirmWarnings';

/** When a run's files were last written: what "live" and "idle" are judged by, not when they were read. */
function modifiedMs(view: { readonly sources: readonly { readonly path: string }[] }): number | null {
  let latest: number | null = null;
  for (const source of view.sources) {
    try {
      const mtime = statSync(source.path).mtimeMs;
      latest = latest === null ? mtime : Math.max(latest, mtime);
    } catch {
      // A source that vanished since it was read says nothing about when the run was last written.
    }
  }
  return latest;
}

/** Builds what the views show from the session's store; analysis runs here, once per change, not per view. */
export function runViews(session: RunSession, settings: Settings, runIds: readonly string[] = session.store.runIds()): RunView[] {
  return runIds.flatMap((id) => {
    const snapshot = session.store.snapshot(id);
    return snapshot === undefined ? [] : [withWarningSettings(withOutputEvidence(buildRunView(snapshot, session.label(id), settings.roleOverrides, modifiedMs(snapshot))), settings.warnings)];
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
