import { logFormat } from '../core/formats/registry';
import type { RunSource, RunStore } from '../core/runStore';
import { batchPoints, PointColumns, type PointBatch } from '../core/pointColumns';
import type { MetricPoint } from '../core/types';

/**
 * A file of a run's final values (a results JSON, a console's closing metrics) carries no step: left at step 0
 * its values would open every chart instead of closing it. They are placed at the run's last step, and moved
 * along whenever another file of the run takes it further, so they stay at its end while it trains.
 */
export class FinalValuesPlacement {
  private readonly finalPoints = new Map<string, { runId: string; format: string; points: readonly MetricPoint[] }>();
  private readonly lastStepByRun = new Map<string, number>();

  constructor(private readonly store: RunStore) {}

  /** Adds a read's points to the store (replacing what the source held before when `replace`); true when the store changed. */
  add(runId: string, source: RunSource, points: PointBatch, replace: boolean): boolean {
    if (logFormat(source.format)?.finalValues === true) {
      const finals = batchPoints(points);
      this.finalPoints.set(source.path, { runId, format: source.format, points: finals });
      return this.store.replaceSource(runId, source, atStep(finals, this.lastStepByRun.get(runId) ?? 0));
    }
    let changed = replace ? this.store.replaceSource(runId, source, points) : this.store.addPoints(runId, source, points);
    const before = this.lastStepByRun.get(runId) ?? 0;
    const last = Math.max(before, lastStep(points));
    if (last === before) return changed;
    this.lastStepByRun.set(runId, last);
    for (const [path, final] of this.finalPoints) {
      if (final.runId === runId) changed = this.store.replaceSource(runId, { path, format: final.format }, atStep(final.points, last)) || changed;
    }
    return changed;
  }
}

/** The batch's largest step, NaN steps aside (`-Infinity` for none). */
function lastStep(points: PointBatch): number {
  if (points instanceof PointColumns) return points.maxStep;
  let last = -Infinity;
  for (const point of points) if (point.step > last) last = point.step;
  return last;
}

function atStep(points: readonly MetricPoint[], step: number): MetricPoint[] {
  return points.map((point) => ({ ...point, step }));
}
