import { basename, dirname } from 'node:path';
import { classifyLogFile, isIgnoredWith } from '../core/formats/registry';
import { batchPoints } from '../core/pointColumns';
import { RunStore } from '../core/runStore';
import type { RunInfo } from '../core/formats/logFormat';
import type { Problem } from '../core/types';
import { BetterSources } from './betterSources';
import { FileReaders } from './fileReaders';
import { FinalValuesPlacement } from './finalValuesPlacement';
import type { FormatOverrides } from './formatSettings';
import { FolderListings } from './folderListings';
import { PathProblems } from './pathProblems';
import { RetrySchedule } from './retrySchedule';
import { RunInfos } from './runInfos';
import { checkpointInfo } from './runCheckpoints';
import { checkpointStep } from '../core/checkpoints';
import { SerialReads } from './serialReads';
import { DELETED_FILE_MESSAGE, type RunPart } from './sourceReader';
import type { ReaderOptions } from './wholeFileReader';
import { EvaluationContext } from './tokens/evaluationContext';

/**
 * Feeds files into the run store: the one place where a read's outcome meets the store, the problems, the run
 * info and the retries. Each of those jobs lives in its own file; this class only decides, per outcome, which
 * of them hears of it, and tells `onChange` which runs changed.
 */
export class LogIngest {
  readonly store = new RunStore();
  /** What the folders around the logs hold, listed once per folder for every plan; the watcher tells it what changes. */
  readonly listings = new FolderListings();
  /** Where evaluation readers put what they read, with the pool and cache they use: the session's, or this ingest's own. */
  readonly evaluations: EvaluationContext;
  private readonly ownsEvaluations: boolean;
  private readonly files: FileReaders;
  private readonly reads = new SerialReads(
    (path) => this.readOnce(path),
    () => this.disposed,
  );
  private readonly retries = new RetrySchedule((path) => void this.ingest(path));
  private readonly placement = new FinalValuesPlacement(this.store);
  private readonly betterSources = new BetterSources();
  private readonly problemsByPath = new PathProblems();
  private readonly infos = new RunInfos();
  /** Files whose runs the editor feeds from an open document (live), by path: the runs fed and when each last changed. */
  private readonly live = new Map<string, { runIds: ReadonlySet<string>; readonly modifiedMs: Map<string, number> }>();
  /** Live files the disk's reads waited for: read again from the start when the document closes. */
  private readonly readAfterLive = new Set<string>();
  private disposed = false;

  /**
   * `onChange` gets the ids of the runs whose data (or problems) changed. A one-shot reader (the CLI) sets
   * `retryIncomplete` false: it reports a half-written file at once instead of waiting for the writer.
   * Without `evaluations`, the ingest makes its own with the default settings and ends it with itself.
   */
  constructor(
    private readonly onChange: (runIds: readonly string[]) => void = () => undefined,
    private readonly options: {
      readonly retryIncomplete: boolean;
      readonly formats?: FormatOverrides;
      readonly readers?: ReaderOptions;
      readonly evaluations?: EvaluationContext;
    } = { retryIncomplete: true },
  ) {
    this.ownsEvaluations = options.evaluations === undefined;
    this.evaluations = options.evaluations ?? new EvaluationContext();
    this.files = new FileReaders(this.listings, this.evaluations, options);
  }

  /** When any file of the run was last written: the newest run is the one being trained now. */
  runModifiedMs(runId: string): number {
    let live = 0;
    for (const feed of this.live.values()) live = Math.max(live, feed.modifiedMs.get(runId) ?? 0);
    return Math.max(this.files.runModifiedMs(runId), live);
  }

  /** True when the path is a log this ingest reads. */
  accepts(path: string): boolean {
    return classifyLogFile(path, this.options.formats) !== undefined;
  }

  /** True when the watcher need not look at the path at all (heavy folders, weights outside the tensor folders in use). */
  ignores(path: string): boolean {
    return isIgnoredWith(path, this.options.formats);
  }

  /** What the run's files said about it (its name, its hyperparameters), merged over its sources. */
  runInfo(runId: string): RunInfo | undefined {
    return this.infos.get(runId);
  }

  problems(): Problem[] {
    return this.problemsByPath.list();
  }

  /**
   * A log file was deleted. What was read from it stays (a deleted checkpoint folder takes nothing from its
   * run, and a run whose folder is gone can still be compared), and the user is told so.
   */
  deleted(path: string): void {
    const entry = this.files.get(path);
    if (entry === undefined || this.disposed) return;
    if (this.problemsByPath.set(path, DELETED_FILE_MESSAGE)) this.onChange([entry.runId]);
  }

  /**
   * A folder appeared or was deleted (the watcher saw it, after telling the listings). A `checkpoint-N` folder
   * of a known run changes which checkpoints its warnings can name, so that run is told.
   */
  async folderChanged(path: string): Promise<void> {
    const runId = dirname(path);
    if (this.disposed || checkpointStep(basename(path)) === undefined || !this.store.runIds().includes(runId)) return;
    if ((await this.refreshCheckpoints(runId)) && !this.disposed) this.onChange([runId]);
  }

  /** True when the run's checkpoint folders differ from what its info said. */
  private async refreshCheckpoints(runId: string): Promise<boolean> {
    const info = await checkpointInfo(runId, this.infos.get(runId), this.listings);
    return info !== undefined && this.infos.merge(runId, info);
  }

  /** Reads what is new in `path`. Resolves when the file has been read up to at least the moment of the call. */
  ingest(path: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.live.has(path)) {
      this.readAfterLive.add(path);
      return Promise.resolve();
    }
    return this.reads.read(path);
  }

  /**
   * The runs of a file as the editor has it open (a notebook whose outputs change while a cell runs), in place
   * of what the file on disk says: the runs are `<run id>#<suffix>` as the file's own reader names them, so
   * they are the same runs, never shown twice. Each call gives all the file's runs; runs no longer given are
   * dropped. While fed, the disk's reads of the file wait (a read already under way is void).
   */
  feedLive(path: string, format: string, runs: readonly RunPart[], problems: readonly string[]): void {
    if (this.disposed) return;
    const runId = this.files.get(path)?.runId ?? classifyLogFile(path, this.options.formats)?.runDirectory ?? path;
    let feed = this.live.get(path);
    if (feed === undefined) {
      // What the disk gave is replaced below, or dropped as a run the document no longer holds.
      const fromDisk = this.store
        .runIds()
        .filter((id) => id.startsWith(`${runId}#`) && this.store.snapshot(id)?.sources.some((source) => source.path === path));
      feed = { runIds: new Set(fromDisk), modifiedMs: new Map() };
      this.live.set(path, feed);
      if (this.files.drop(path)) this.readAfterLive.add(path);
    }
    const source = { path, format };
    const changed = new Set<string>();
    const fed = new Set<string>();
    for (const part of runs) {
      const id = `${runId}#${part.suffix}`;
      fed.add(id);
      const info = part.runInfo !== undefined && this.infos.merge(id, part.runInfo);
      if (this.placement.add(id, source, part.points, true) || info) {
        changed.add(id);
        feed.modifiedMs.set(id, Date.now());
      }
    }
    for (const id of feed.runIds) if (!fed.has(id) && this.store.removeSource(id, path)) changed.add(id);
    feed.runIds = fed;
    if (this.problemsByPath.set(path, problems.length > 0 ? problems.slice(-3).join(' ') : undefined)) changed.add(runId);
    if (changed.size > 0) this.onChange([...changed]);
  }

  /** The document closed: its runs go, and the file on disk, if it was read, is read again from the start. */
  endLive(path: string): void {
    const feed = this.live.get(path);
    if (feed === undefined || this.disposed) return;
    this.live.delete(path);
    const changed = [...feed.runIds].filter((id) => this.store.removeSource(id, path));
    this.problemsByPath.set(path, undefined);
    if (changed.length > 0) this.onChange(changed);
    if (this.readAfterLive.delete(path)) void this.ingest(path);
  }

  private async readOnce(path: string): Promise<void> {
    const entry = await this.files.open(path);
    if (entry === undefined) return;
    // Fed live while its reader was being made: the disk waits until the document closes.
    if (this.live.has(path)) {
      this.files.drop(path);
      this.readAfterLive.add(path);
      return;
    }
    const { reader, runId, plan } = entry;
    const source = { path, format: reader.format, approximate: plan.approximate };
    let streamed = false;
    const outcome = await reader.read((points, replace) => {
      // Planned again while it was being read (its output_dir turned out to be an HF run): the rest of this read is void.
      if (this.files.get(path) !== entry) return;
      streamed = this.placement.add(runId, source, plan.mapPoints === undefined ? points : plan.mapPoints(batchPoints(points)), replace) || streamed;
    });
    if (this.files.get(path) !== entry) return;
    const changedRuns = new Set<string>();
    // Points streamed before a read failed midway (the file deleted) are kept, and shown.
    let changed = streamed;
    switch (outcome.kind) {
      case 'points': {
        this.retries.succeeded(path);
        changed = outcome.changedAside === true || changed;
        if (outcome.runInfo !== undefined) changed = this.infos.merge(runId, outcome.runInfo) || changed;
        changed = (await this.refreshCheckpoints(runId)) || changed;
        // An append-only reader streamed its points already: its empty outcome must not read as a file of final values that now holds none.
        if (outcome.points.length > 0 || outcome.replace) {
          const points = plan.mapPoints === undefined ? outcome.points : plan.mapPoints(outcome.points);
          changed = this.placement.add(runId, source, points, outcome.replace) || changed;
        }
        if (this.betterSources.firstRead(reader.format, path)) for (const id of await this.betterSourceFound(runId)) changedRuns.add(id);
        changed = this.problemsByPath.set(path, outcome.problems.length > 0 ? outcome.problems.slice(-3).join(' ') : undefined) || changed;
        break;
      }
      case 'runs':
        this.retries.succeeded(path);
        for (const part of outcome.runs) {
          const partId = `${runId}#${part.suffix}`;
          const info = part.runInfo !== undefined && this.infos.merge(partId, part.runInfo);
          if (this.placement.add(partId, source, part.points, outcome.replace) || info) changedRuns.add(partId);
        }
        for (const suffix of outcome.gone ?? []) if (this.store.removeSource(`${runId}#${suffix}`, path)) changedRuns.add(`${runId}#${suffix}`);
        changed = this.problemsByPath.set(path, outcome.problems.length > 0 ? outcome.problems.slice(-3).join(' ') : undefined);
        break;
      case 'retry':
        if (!this.options.retryIncomplete) changed = this.problemsByPath.set(path, outcome.message);
        // A trainer_state.json caught mid-rewrite is read again shortly; only one that stays broken is reported.
        else if (this.retries.failed(path) && this.problemsByPath.set(path, outcome.message)) this.onChange([runId]);
        break;
      case 'failed':
        changed = this.problemsByPath.set(path, outcome.message) || changed;
        break;
      case 'not-a-log':
      case 'unchanged':
        break;
    }
    if (changed) changedRuns.add(runId);
    for (const id of changedRuns) this.store.settle(id);
    if (changedRuns.size > 0) this.onChange([...changedRuns]);
  }

  /**
   * A better source makes the files planned around it read differently (sourcePlan.ts): each whose plan
   * changed loses what it gave under the old plan, and its problem, and is read again. Returns the runs that
   * lost a source.
   */
  private async betterSourceFound(runId: string): Promise<string[]> {
    const emptied: string[] = [];
    await this.files.replan(runId, (path, entry) => {
      if (this.store.removeSource(entry.runId, path)) emptied.push(entry.runId);
      this.problemsByPath.set(path, undefined);
      void this.ingest(path);
    });
    return emptied;
  }

  dispose(): void {
    this.disposed = true;
    this.files.dispose();
    this.retries.dispose();
    if (this.ownsEvaluations) void this.evaluations.dispose();
  }
}
