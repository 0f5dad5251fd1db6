import type { SeriesGrowth } from '../runStore';
import type { Series } from '../types';
import { scanSeries, type SeriesScan } from './seriesScan';

interface ScanEntry {
  readonly steps: readonly number[];
  readonly rewrites: number;
  readonly withSpikes: boolean;
  readonly scan: SeriesScan;
}

/**
 * Passes over long series kept between analyses of the same run, so that an update costs the points it
 * added, not the run's length. Owned by whoever analyses a run again and again (the run session); a one-off
 * analysis (the CLI's report) needs none. A kept pass is resumed only for a series the store says only grew
 * since (the same steps array, no rewrite: see SeriesGrowth); anything else is scanned from the start.
 */
export class AnalysisCache {
  private readonly runs = new Map<string, Map<string, ScanEntry>>();

  /** The scan of `series` (the run's `key`), continued from the kept one where the series only grew. */
  scan(runId: string, key: string, series: Series, withSpikes: boolean, growth: SeriesGrowth | undefined): SeriesScan {
    let byKey = this.runs.get(runId);
    const kept = byKey?.get(key);
    // The series analysed must be the store's own: a run joined with evaluation outputs may carry another under the same key.
    const known = growth !== undefined && growth.steps === series.steps;
    const grown =
      known &&
      kept !== undefined &&
      kept.steps === series.steps &&
      kept.rewrites === growth.rewrites &&
      kept.withSpikes === withSpikes &&
      series.steps.length >= kept.scan.length;
    const scan = scanSeries(series, withSpikes, grown ? kept.scan : undefined);
    if (known) {
      if (byKey === undefined) this.runs.set(runId, (byKey = new Map()));
      byKey.set(key, { steps: series.steps, rewrites: growth.rewrites, withSpikes, scan });
    } else byKey?.delete(key);
    return scan;
  }

  /** Drops what was kept for a run that is gone. */
  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
