import { buildRunView, seriesData, type RunView, type SeriesData } from '../core/runView';
import type { RunSnapshot, RunStore } from '../core/runStore';
import { seriesWindow } from '../core/seriesWindow';
import type { RunSession } from '../node/runSession';
import type { SeriesRequest } from '../protocol';
import type { Settings } from './settings';
import { withWarningSettings } from '../core/analysis/warningSettings';
import { isLive } from '../core/runStatus';
import type { StatusRunInputs } from '../core/statusRun';
import { xUnitOf } from '../core/xUnit';

/** Builds what the views show from the session's store; analysis runs here, once per change, not per view. */
export function runViews(session: RunSession, settings: Settings, runIds: readonly string[] = session.store.runIds()): RunView[] {
  return runIds.flatMap((id) => {
    const snapshot = session.store.snapshot(id);
    if (snapshot === undefined) {
      session.analysis.forget(id);
      return [];
    }
    // Evaluations whose pairing the run's logged loss settles join the run here, before analysis sees it.
    const { run, evaluations } = session.resolve(snapshot, settings.roleOverrides);
    return [
      withWarningSettings(
        session.withOutputEvidence(
          buildRunView(
            run,
            session.label(id),
            settings.roleOverrides,
            session.modifiedMs(id),
            session.runInfo(id)?.checkpoints,
            session.runInfo(id)?.parameters,
            session.analysis,
            xUnitOf(session.runInfo(id)),
          ),
          evaluations,
        ),
        settings.warnings,
      ),
    ];
  });
}

/**
 * A series from the store at the detail the webview asked for: a window when zoomed, the whole run when not.
 * The run is joined with its evaluation outputs as its view was, so a series they settled is there too.
 */
export function requestedSeries(
  store: Pick<RunStore, 'snapshot'>,
  request: SeriesRequest,
  resolve: (run: RunSnapshot) => RunSnapshot = (run) => run,
): SeriesData | null {
  const snapshot = store.snapshot(request.runId);
  const series = snapshot === undefined ? undefined : resolve(snapshot).metrics.get(request.key);
  if (series === undefined) return null;
  const from = request.from ?? Number.NEGATIVE_INFINITY;
  const to = request.to ?? Number.POSITIVE_INFINITY;
  return seriesData(request.key, seriesWindow(series, from, to));
}

/**
 * What the status bar's choice of run is made from: the runs that log an eval accuracy, the most recently written
 * last (file times, so that a live run wins over finished ones), which of them are live, and the active script's runs.
 */
export function statusRunInputs(
  session: Pick<RunSession, 'recentlyChanged'>,
  views: ReadonlyMap<string, RunView>,
  scriptRuns: readonly string[],
  now: number,
): StatusRunInputs {
  const recent = session.recentlyChanged().filter((id) => (views.get(id)?.latest ?? null) !== null);
  return { recent, live: new Set(recent.filter((id) => isLive(views.get(id)?.updatedAt ?? null, now))), scriptRuns };
}
