import type { RunView, SeriesData, SeriesRequest, WebviewMessage } from '../src/protocol';
import { detailKey, type XRange } from './chartData';
import type { UiState } from './uiState';
import { xMapping } from './xAxis';

/** The keys a run draws with the current toggles: detail is only worth asking for what is on screen. */
function drawnKeys(run: RunView, ui: UiState): string[] {
  const series = [ui.showEvalLoss ? run.evalLoss : null, ui.showTrainLoss ? run.trainLoss : null, ui.showAccuracy ? run.evalAccuracy : null];
  return series.flatMap((item) => (item !== null && item.total > item.steps.length ? [item.key] : []));
}

/**
 * Asks the host for series the snapshot does not carry: the chosen extra key of each drawn run, and, while
 * zoomed, the zoomed window at full detail of every series that was downsampled. Answers to superseded
 * requests are dropped.
 */
export class SeriesFetcher {
  /** The extra key's series per run (whole runs, downsampled by the host). */
  readonly extras = new Map<string, SeriesData>();
  /** Zoomed windows at full detail, by run and key. */
  readonly detail = new Map<string, SeriesData>();
  private nextId = 1;
  private extraRequest = 0;
  private detailRequest = 0;
  private detailTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly post: (message: WebviewMessage) => void) {}

  /** Requests the extra key for drawn runs that log it and have not got it yet (or were updated). */
  requestExtras(runs: readonly RunView[], key: string | null): void {
    for (const [runId, data] of this.extras) if (data.key !== key || !runs.some((run) => run.id === runId)) this.extras.delete(runId);
    if (key === null) return;
    const items: SeriesRequest[] = runs
      .filter((run) => run.keys.includes(key) && !this.extras.has(run.id))
      .map((run) => ({ runId: run.id, key, from: null, to: null }));
    if (items.length === 0) return;
    this.extraRequest = this.nextId++;
    this.post({ type: 'requestSeries', requestId: this.extraRequest, items });
  }

  /** Forgets what was fetched for runs whose data changed, so that it is asked for again. */
  forget(runIds: readonly string[]): void {
    const changed = new Set(runIds);
    for (const runId of changed) this.extras.delete(runId);
    for (const key of [...this.detail.keys()]) if (changed.has(key.slice(0, key.indexOf('\u0000')))) this.detail.delete(key);
  }

  /** Debounced: a drag or a wheel burst asks once, when the user stops. */
  requestDetail(runs: readonly RunView[], ui: UiState, range: XRange | null, delayMs = 120): void {
    clearTimeout(this.detailTimer);
    if (range === null) {
      this.detailRequest = this.nextId++;
      this.detail.clear();
      return;
    }
    this.detailTimer = setTimeout(() => {
      const items: SeriesRequest[] = [];
      for (const run of runs) {
        const mapping = xMapping(run, ui.xAxis);
        if (mapping === null) continue;
        const from = mapping.toStep(range.min);
        const to = mapping.toStep(range.max);
        if (from === null || to === null) continue;
        const keys = drawnKeys(run, ui);
        const extra = ui.extraKey === null ? undefined : this.extras.get(run.id);
        if (extra !== undefined && extra.total > extra.steps.length) keys.push(extra.key);
        for (const key of keys) items.push({ runId: run.id, key, from: Math.floor(from), to: Math.ceil(to) });
      }
      if (items.length === 0) return;
      this.detailRequest = this.nextId++;
      this.post({ type: 'requestSeries', requestId: this.detailRequest, items });
    }, delayMs);
  }

  /** Takes the host's answer; returns whether anything the charts draw changed. */
  receive(requestId: number, series: readonly (SeriesRequest & { readonly data: SeriesData | null })[]): boolean {
    if (requestId === this.extraRequest) {
      for (const item of series) if (item.data !== null) this.extras.set(item.runId, item.data);
      return true;
    }
    if (requestId === this.detailRequest) {
      this.detail.clear();
      for (const item of series) if (item.data !== null) this.detail.set(detailKey(item.runId, item.key), item.data);
      return true;
    }
    return false;
  }
}
