import { classifyLogFile, isIgnoredWith, logFormat } from '../core/formats/registry';
import { RunStore } from '../core/runStore';
import type { RunInfo } from '../core/formats/logFormat';
import type { MetricPoint, Problem } from '../core/types';
import type { FormatOverrides } from './formatSettings';
import { FolderListings } from './folderListings';
import { createSourceReader } from './hostReaders';
import { isBetterSource, planFormat, planSource, type SourcePlan } from './sourcePlan';
import { DELETED_FILE_MESSAGE, type SourceReader } from './sourceReader';
import type { ReaderOptions } from './wholeFileReader';
import { EvaluationContext } from './tokens/evaluationContext';

interface FileEntry {
  readonly reader: SourceReader;
  readonly runId: string;
  readonly plan: SourcePlan;
}

/** How often and how long a half-written trainer_state.json is retried before it is reported. */
const RETRY_DELAY_MS = 150;
const RETRIES_BEFORE_REPORT = 10;

/**
 * Feeds files into the run store: one reader per file, reads of one file never overlapping, a change that
 * arrives during a read answered by one more read. Problems are kept per file and cleared when it reads well.
 */
export class LogIngest {
  readonly store = new RunStore();
  /** What the folders around the logs hold, listed once per folder for every plan; the watcher tells it what changes. */
  readonly listings = new FolderListings();
  private readonly readers = new Map<string, FileEntry>();
  /** Better sources (trainer states, W&B histories) already read once: each makes the files of its run be planned again once. */
  private readonly betterSourcesSeen = new Set<string>();
  /** Points of files that hold a run's final values (results JSON), kept so they can follow the run's last step. */
  private readonly finalPoints = new Map<string, { runId: string; format: string; points: readonly MetricPoint[] }>();
  private readonly lastStepByRun = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly problemsByPath = new Map<string, string>();
  private readonly infoByRun = new Map<string, RunInfo>();
  private disposed = false;
  /** Where evaluation readers put what they read, with the pool and cache they use: the session's, or this ingest's own. */
  readonly evaluations: EvaluationContext;
  private readonly ownsEvaluations: boolean;

  /**
   * `onChange` gets the ids of the runs whose data (or problems) changed. A one-shot reader (the CLI) sets
   * `retryIncomplete` false: it reports a half-written file at once instead of waiting for the writer.
   * Without `evaluations`, the ingest makes its own with the default settings and ends it with itself.
   */
  constructor(
    private readonly onChange: (runIds: readonly string[]) => void = () => undefined,
    private readonly options: { readonly retryIncomplete: boolean; readonly formats?: FormatOverrides; readonly readers?: ReaderOptions; readonly evaluations?: EvaluationContext } = { retryIncomplete: true },
  ) {
    this.ownsEvaluations = options.evaluations === undefined;
    this.evaluations = options.evaluations ?? new EvaluationContext();
  }

  /** When any file of the run was last written: the newest run is the one being trained now. */
  runModifiedMs(runId: string): number {
    let newest = 0;
    for (const { reader, runId: id } of this.readers.values()) {
      if (id === runId) newest = Math.max(newest, reader.modifiedMs);
      // A source of several runs (an MLflow database) feeds `<its run id>#<suffix>`: the part's own time, not the file's.
      else if (runId.startsWith(`${id}#`)) newest = Math.max(newest, reader.partModifiedMs?.(runId.slice(id.length + 1)) ?? reader.modifiedMs);
    }
    return newest;
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
    return this.infoByRun.get(runId);
  }

  problems(): Problem[] {
    return [...this.problemsByPath].map(([path, message]) => ({ path, message })).sort((a, b) => a.path.localeCompare(b.path));
  }

  /**
   * A log file was deleted. What was read from it stays (a deleted checkpoint folder takes nothing from its
   * run, and a run whose folder is gone can still be compared), and the user is told so.
   */
  deleted(path: string): void {
    const entry = this.readers.get(path);
    if (entry === undefined || this.disposed) return;
    if (this.setProblem(path, DELETED_FILE_MESSAGE)) this.onChange([entry.runId]);
  }

  /** Reads what is new in `path`. Resolves when the file has been read up to at least the moment of the call. */
  ingest(path: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const running = this.reading.get(path);
    if (running !== undefined) {
      this.dirty.add(path);
      return running;
    }
    const work = this.readUntilClean(path).finally(() => this.reading.delete(path));
    this.reading.set(path, work);
    return work;
  }

  private async readUntilClean(path: string): Promise<void> {
    do {
      this.dirty.delete(path);
      await this.readOnce(path);
    } while (this.dirty.has(path) && !this.disposed);
  }

  private async readOnce(path: string): Promise<void> {
    let entry = this.readers.get(path);
    if (entry === undefined) {
      const file = classifyLogFile(path, this.options.formats);
      const format = file === undefined ? undefined : (this.options.formats?.get(file.format) ?? logFormat(file.format));
      if (file === undefined || format === undefined) return;
      this.listings.saw(path, 'file');
      const plan = await planSource(file, this.listings);
      const reader = createSourceReader(path, planFormat(plan, format), this.evaluations, this.options.readers);
      if (reader === undefined) return;
      entry = { reader, runId: plan.runId, plan };
      this.readers.set(path, entry);
    }
    const { reader, runId, plan } = entry;
    const source = { path, format: reader.format, approximate: plan.approximate };
    const current = entry;
    let streamed = false;
    const outcome = await reader.read((points, replace) => {
      // Planned again while it was being read (its output_dir turned out to be an HF run): the rest of this read is void.
      if (this.readers.get(path) !== current) return;
      streamed = this.storePoints(runId, source, plan.mapPoints === undefined ? points : plan.mapPoints(points), replace) || streamed;
    });
    if (this.readers.get(path) !== entry) return;
    const changedRuns = new Set<string>();
    // Points streamed before a read failed midway (the file deleted) are kept, and shown.
    let changed = streamed;
    switch (outcome.kind) {
      case 'points': {
        this.retries.delete(path);
        changed = outcome.changedAside === true || changed;
        if (outcome.runInfo !== undefined) changed = this.mergeRunInfo(runId, outcome.runInfo) || changed;
        // An append-only reader streamed its points already: its empty outcome must not read as a file of final values that now holds none.
        if (outcome.points.length > 0 || outcome.replace) {
          const points = plan.mapPoints === undefined ? outcome.points : plan.mapPoints(outcome.points);
          changed = this.storePoints(runId, source, points, outcome.replace) || changed;
        }
        if (isBetterSource(reader.format, path)) for (const id of await this.betterSourceFound(runId, path)) changedRuns.add(id);
        changed = this.setProblem(path, outcome.problems.length > 0 ? outcome.problems.slice(-3).join(' ') : undefined) || changed;
        break;
      }
      case 'runs':
        this.retries.delete(path);
        for (const part of outcome.runs) {
          const partId = `${runId}#${part.suffix}`;
          const info = part.runInfo !== undefined && this.mergeRunInfo(partId, part.runInfo);
          if (this.storePoints(partId, source, part.points, outcome.replace) || info) changedRuns.add(partId);
        }
        changed = this.setProblem(path, outcome.problems.length > 0 ? outcome.problems.slice(-3).join(' ') : undefined);
        break;
      case 'retry':
        if (this.options.retryIncomplete) this.scheduleRetry(path, outcome.message);
        else changed = this.setProblem(path, outcome.message);
        break;
      case 'failed':
        changed = this.setProblem(path, outcome.message) || changed;
        break;
      case 'not-a-log':
      case 'unchanged':
        break;
    }
    if (changed) changedRuns.add(runId);
    if (changedRuns.size > 0) this.onChange([...changedRuns]);
  }

  /**
   * Adds a read's points. A file of final values (results JSON) is placed at the run's last step; any
   * other file that takes the run further moves those final values along.
   */
  private storePoints(runId: string, source: { path: string; format: string; approximate: boolean }, points: MetricPoint[], replace: boolean): boolean {
    if (logFormat(source.format)?.finalValues === true) {
      this.finalPoints.set(source.path, { runId, format: source.format, points });
      return this.store.replaceSource(runId, source, atStep(points, this.lastStepByRun.get(runId) ?? 0));
    }
    let changed = replace ? this.store.replaceSource(runId, source, points) : this.store.addPoints(runId, source, points);
    let last = this.lastStepByRun.get(runId) ?? 0;
    const before = last;
    for (const point of points) if (point.step > last) last = point.step;
    if (last === before) return changed;
    this.lastStepByRun.set(runId, last);
    for (const [path, final] of this.finalPoints) {
      if (final.runId === runId) changed = this.store.replaceSource(runId, { path, format: final.format }, atStep(final.points, last)) || changed;
    }
    return changed;
  }

  /**
   * A trainer_state.json makes its folder an HF output_dir: the TensorBoard files under its `runs/` join
   * it (keys mapped back, values below the state's), and a console log beside it is left out, as is a W&B
   * run's output.log once its history is read. Files already read under the old plan are read again.
   * Returns the runs that lost a source.
   */
  private async betterSourceFound(runId: string, sourcePath: string): Promise<string[]> {
    if (this.betterSourcesSeen.has(sourcePath)) return [];
    this.betterSourcesSeen.add(sourcePath);
    const emptied: string[] = [];
    for (const [path, entry] of [...this.readers]) {
      if (entry.plan.dependsOn !== runId) continue;
      const file = classifyLogFile(path, this.options.formats);
      const plan = file === undefined ? undefined : await planSource(file, this.listings);
      // A trainer_log.jsonl changes nothing for TensorBoard files: only a plan that differs is acted on.
      if (plan === undefined || samePlan(plan, entry.plan) || this.readers.get(path) !== entry) continue;
      this.readers.delete(path);
      entry.reader.dispose?.();
      if (this.store.removeSource(entry.runId, path)) emptied.push(entry.runId);
      this.problemsByPath.delete(path);
      void this.ingest(path);
    }
    return emptied;
  }

  /** A trainer_state.json caught mid-rewrite is read again shortly; only one that stays broken is reported. */
  private scheduleRetry(path: string, message: string): void {
    const attempts = (this.retries.get(path) ?? 0) + 1;
    this.retries.set(path, attempts);
    if (attempts > RETRIES_BEFORE_REPORT && this.setProblem(path, message)) {
      const runId = this.readers.get(path)?.runId;
      if (runId !== undefined) this.onChange([runId]);
    }
    if (this.retryTimers.has(path) || this.disposed) return;
    const delay = attempts > RETRIES_BEFORE_REPORT ? RETRY_DELAY_MS * 10 : RETRY_DELAY_MS;
    this.retryTimers.set(
      path,
      setTimeout(() => {
        this.retryTimers.delete(path);
        if (attempts <= RETRIES_BEFORE_REPORT * 3) void this.ingest(path);
      }, delay),
    );
  }

  private mergeRunInfo(runId: string, info: RunInfo): boolean {
    const known = this.infoByRun.get(runId);
    const merged: RunInfo = {
      ...known,
      ...info,
      ...(known?.parameters !== undefined || info.parameters !== undefined ? { parameters: { ...known?.parameters, ...info.parameters } } : {}),
    };
    if (JSON.stringify(merged) === JSON.stringify(known)) return false;
    this.infoByRun.set(runId, merged);
    return true;
  }

  private setProblem(path: string, message: string | undefined): boolean {
    if (this.problemsByPath.get(path) === message) return false;
    if (message === undefined) this.problemsByPath.delete(path);
    else this.problemsByPath.set(path, message);
    return true;
  }

  dispose(): void {
    this.disposed = true;
    for (const { reader } of this.readers.values()) reader.dispose?.();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    if (this.ownsEvaluations) void this.evaluations.dispose();
  }
}

function atStep(points: readonly MetricPoint[], step: number): MetricPoint[] {
  return points.map((point) => ({ ...point, step }));
}

function samePlan(a: SourcePlan, b: SourcePlan): boolean {
  return a.runId === b.runId && a.readAs === b.readAs && a.approximate === b.approximate && a.dependsOn === b.dependsOn && a.startingStep === b.startingStep;
}
