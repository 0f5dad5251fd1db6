import type { RunView, SeriesData } from './runView';
import { downsampleMinMax } from './downsample';

/**
 * Above this many points in all the views' series together (about 5 MB of message), opening the panel sends
 * a coarse snapshot first (FIRST_DRAW_POINTS_PER_SERIES a series), then the views as they are: with 1,000 runs
 * the whole snapshot is 20 MB, a few hundred milliseconds to serialize before the panel could draw at all.
 */
export const FIRST_DRAW_MAX_POINTS = 400_000;
export const FIRST_DRAW_POINTS_PER_SERIES = 64;

/** Points the views' series carry, to decide whether a first draw is sent coarse. */
export function viewPoints(views: readonly RunView[]): number {
  let points = 0;
  for (const view of views) for (const data of seriesOf(view)) points += data?.steps.length ?? 0;
  return points;
}

function seriesOf(view: RunView): (SeriesData | null)[] {
  return [view.evalLoss, view.evalAccuracy, view.trainLoss, view.axes.epoch, view.axes.wallTime];
}

/** A series cut to at most `maxPoints` the same way the host downsamples (min/max per bucket); `total` stays the store's. */
function coarse(data: SeriesData | null, maxPoints: number): SeriesData | null {
  if (data === null || data.steps.length <= maxPoints) return data;
  const reduced = downsampleMinMax({ steps: data.steps, values: data.values.map((value) => value ?? Number.NaN) }, maxPoints);
  return { ...data, steps: reduced.steps, values: reduced.values.map((value) => (Number.isFinite(value) ? value : null)) };
}

/** The view with every series cut for a first draw; everything else (warnings, latest values, keys) as it is. */
export function coarseView(view: RunView, maxPoints = FIRST_DRAW_POINTS_PER_SERIES): RunView {
  return {
    ...view,
    evalLoss: coarse(view.evalLoss, maxPoints),
    evalAccuracy: coarse(view.evalAccuracy, maxPoints),
    trainLoss: coarse(view.trainLoss, maxPoints),
    axes: { epoch: coarse(view.axes.epoch, maxPoints), wallTime: coarse(view.axes.wallTime, maxPoints) },
  };
}
