import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { CalibrationView } from '../core/tokens/calibrationView';
import type { TokensView } from '../core/tokens/tokenContexts';
import { RunTokenizers } from './tokens/runTokenizer';
import { TokensViews } from './tokens/tokenShiftSource';
import type { ConfirmableWarning } from '../core/tokens/confirmWarning';
import type { FormatOverrides } from './formatSettings';
import { LogIngest } from './logIngest';
import type { RunPart } from './sourceReader';
import { chokidarWatcher, LogWatcher, type WatcherFactory } from './logWatcher';
import { FolderClaims } from './folderClaims';
import { DEFAULT_READER_OPTIONS, type ReaderOptions } from './wholeFileReader';
import { withOutputEvidence } from './tokens/confirmWarnings';
import { EvaluationContext, type EvalOutputsConfig } from './tokens/evaluationContext';
import { resolveStoredRun, unverifiedProblems } from './tokens/resolvedEvaluations';
import type { ResolvedEvaluation } from '../core/tokens/resolvedRun';
import type { RunSnapshot } from '../core/runStore';
import type { RoleOverrides } from '../core/analysis/metricRoles';
import type { Problem } from '../core/types';
import { AnalysisCache } from '../core/analysis/analysisCache';
import { namedRunLabel } from '../core/runLabel';

/** Changes arriving within this window reach the views as one update: a burst of appends costs one redraw. */
const BATCH_MS = 25;

/**
 * Watches a set of root directories and keeps their runs in a store. Views subscribe to `onRunsChanged`;
 * they never read files. Roots can change (settings, workspace folders): the session starts over.
 * The session owns what its readers fill and use beyond the store: the evaluations read, the worker pool
 * that scores them, their cache and options. Views ask the session for them.
 */
export class RunSession {
  private ingest: LogIngest;
  private analysisCache = new AnalysisCache();
  private readonly evaluations: EvaluationContext;
  private readonly tokensViews = new TokensViews();
  private readonly tokenizers = new RunTokenizers();
  /** What each run's last tokenizer lookup met (RunTokenizers), by run id: shown with the session's problems. */
  private readonly tokenizerProblems = new Map<string, readonly Problem[]>();
  private watchers: LogWatcher[] = [];
  private roots: readonly string[] = [];
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(runIds: readonly string[]) => void>();
  /** What the watchers could not read (special files, names not UTF-8) and roots they poll, by path. */
  private readonly watchNotes = new Map<string, string>();
  /** What the editor feeds from open documents (`feedLive`), by path: given again to the ingest of a restart. */
  private readonly liveFeeds = new Map<string, { readonly format: string; readonly runs: readonly RunPart[]; readonly problems: readonly string[] }>();
  /**
   * `formats`: readers built from settings (the user's console patterns), replacing the registry's by id;
   * `evaluations`: how evaluation outputs are read; `readers`: the readers' limits; `createWatcher`: chokidar,
   * or a stand-in that injects watcher faults in tests.
   */
  constructor(
    private readonly onError: (message: string) => void,
    private formats: FormatOverrides = new Map(),
    evaluations: Partial<EvalOutputsConfig> = {},
    private readers: ReaderOptions = DEFAULT_READER_OPTIONS,
    private readonly createWatcher: WatcherFactory = chokidarWatcher,
  ) {
    this.evaluations = new EvaluationContext(evaluations);
    this.ingest = this.createIngest();
  }

  private createIngest(): LogIngest {
    return new LogIngest((runIds) => this.queue(runIds), {
      retryIncomplete: true,
      formats: this.formats,
      readers: this.readers,
      evaluations: this.evaluations,
    });
  }

  /** New evaluation settings (pairing options, cache folder, progress): files read from now on follow them. */
  configureEvaluations(update: Partial<EvalOutputsConfig>): void {
    this.evaluations.configure(update);
  }

  /** Drops cached evaluation results nothing can ask for again. */
  pruneEvaluationCache(): Promise<string[]> {
    return this.evaluations.pruneCache();
  }

  /**
   * A run joined with the evaluation outputs read for it: evaluations whose pairing was left open are settled
   * by the run's logged loss, and their computed series join the run.
   */
  resolve(run: RunSnapshot, overrides: RoleOverrides = {}): { readonly run: RunSnapshot; readonly evaluations: readonly ResolvedEvaluation[] } {
    return resolveStoredRun(run, this.evaluations.outputs, overrides);
  }

  /** The calibration view of a run from the settled evaluation outputs read so far; null when it has none. */
  calibration(runId: string, overrides: RoleOverrides = {}): CalibrationView | null {
    return this.evaluations.calibration(this.store.snapshot(runId), overrides);
  }

  /**
   * The Tokens section of a run: the tokens carrying its loss change between two settled evaluations; null when
   * it has none. What finding the run's tokenizer met (a corrupt or too large tokenizer.json, a decoder not
   * supported) becomes one of the session's problems, as the CLI's report lists it.
   */
  async tokens(runId: string, overrides: RoleOverrides = {}): Promise<TokensView | null> {
    const run = this.store.snapshot(runId);
    // Evaluation outputs make a run's id its folder, where the run's tokenizer.json is looked for.
    const lookup = run === undefined ? undefined : await this.tokenizers.lookup(runId);
    if (lookup !== undefined) this.noteTokenizerProblems(runId, lookup.problems);
    return this.tokensViews.view(run, this.evaluations.outputs, overrides, lookup?.tokenizer?.decoder);
  }

  /** A run's tokenizer problems as its last lookup found them: the views hear of it (no run changed) only when they differ. */
  private noteTokenizerProblems(runId: string, problems: readonly Problem[]): void {
    const text = (list: readonly Problem[] | undefined): string => JSON.stringify(list ?? []);
    if (text(this.tokenizerProblems.get(runId)) === text(problems)) return;
    if (problems.length === 0) this.tokenizerProblems.delete(runId);
    else this.tokenizerProblems.set(runId, problems);
    this.queue([]);
  }

  /** One problem per evaluation left unverified, saying how to settle its pairing. */
  unverifiedProblems(overrides: RoleOverrides = {}): Problem[] {
    return unverifiedProblems(this.store, this.evaluations.outputs, overrides);
  }

  /** A run view's warnings checked against the run's settled evaluation outputs or per-sample results, where it has them. */
  withOutputEvidence<
    View extends { readonly id: string; readonly warnings: readonly (ConfirmableWarning & { readonly step: number; readonly startStep: number })[] },
  >(view: View, evaluations: readonly ResolvedEvaluation[]): View {
    return withOutputEvidence(view, evaluations, this.evaluations.samples);
  }

  /** Readers built from settings (the user's console patterns): what was read is read again with them. */
  async setFormats(formats: FormatOverrides): Promise<void> {
    this.formats = formats;
    await this.restart();
  }

  /** New limits for the readers (the size of a file read whole): what was read is read again under them. */
  async setReaders(readers: ReaderOptions): Promise<void> {
    this.readers = readers;
    await this.restart();
  }

  private queue(runIds: readonly string[]): void {
    for (const id of runIds) this.pending.add(id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      for (const listener of this.listeners) listener(ids);
    }, BATCH_MS);
  }

  /** A watch note set or cleared: listeners are called with no run ids when nothing but the problems changed. */
  private note(path: string, message: string | undefined): void {
    if (this.watchNotes.get(path) === message) return;
    if (message === undefined) this.watchNotes.delete(path);
    else this.watchNotes.set(path, message);
    this.queue([]);
  }

  /** The listener is called with the ids of the runs that changed; with none when only the problems did. */
  onRunsChanged(listener: (runIds: readonly string[]) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Watches exactly these roots. Resolves when the initial scan has been handed to the readers. */
  async watch(roots: readonly string[]): Promise<void> {
    if (roots.length === this.roots.length && roots.every((root, i) => root === this.roots[i])) return;
    await this.start(roots);
  }

  /** Forgets everything read and scans the same roots again. */
  async restart(): Promise<void> {
    await this.start(this.roots);
  }

  /**
   * The runs of a file as a document open in the editor holds them (a notebook's cell outputs while a cell
   * runs), in place of the file on disk until `endLive`: each call gives all of the file's runs.
   */
  feedLive(path: string, format: string, runs: readonly RunPart[], problems: readonly string[]): void {
    this.liveFeeds.set(path, { format, runs, problems });
    this.ingest.feedLive(path, format, runs, problems);
  }

  /** The document closed: the file on disk speaks for its runs again. */
  endLive(path: string): void {
    if (this.liveFeeds.delete(path)) this.ingest.endLive(path);
  }

  private async start(roots: readonly string[]): Promise<void> {
    await this.stopWatching();
    const removed = this.ingest.store.runIds();
    this.ingest.dispose();
    this.ingest = this.createIngest();
    this.analysisCache = new AnalysisCache();
    for (const [path, feed] of this.liveFeeds) this.ingest.feedLive(path, feed.format, feed.runs, feed.problems);
    this.roots = [...roots];
    if (removed.length > 0) this.queue(removed);
    this.watchNotes.clear();
    const context = {
      claims: new FolderClaims(roots.map(realPathOf)),
      note: (path: string, message: string | undefined) => this.note(path, message),
      createWatcher: this.createWatcher,
    };
    this.watchers = roots.map((root) => new LogWatcher(root, this.ingest, this.onError, context));
    await Promise.all(this.watchers.map((watcher) => watcher.ready));
  }

  get store() {
    return this.ingest.store;
  }

  /** The passes over each run's long series kept between analyses, so that an update costs what it added. */
  get analysis(): AnalysisCache {
    return this.analysisCache;
  }

  problems(): Problem[] {
    const notes = [...this.watchNotes].map(([path, message]) => ({ path, message }));
    // Only runs still read: a run gone (or a restart) takes its tokenizer's problems with it.
    const runs = new Set(this.store.runIds());
    const tokenizers = [...this.tokenizerProblems].flatMap(([runId, problems]) => (runs.has(runId) ? problems : []));
    return [...this.ingest.problems(), ...this.evaluations.problems(), ...notes, ...tokenizers].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The roots watched by polling because the system ran out of watches: the status bar says so. */
  pollingRoots(): string[] {
    return this.watchers.filter((watcher) => watcher.isPolling).map((watcher) => watcher.root);
  }

  /** When the run's files were last written, as the readers saw it; null before any was read. */
  modifiedMs(runId: string): number | null {
    const modified = this.ingest.runModifiedMs(runId);
    return modified > 0 ? modified : null;
  }

  /** Run ids, the one whose files were written most recently last (file times, not the order of reading). */
  recentlyChanged(): string[] {
    const modified = new Map(this.ingest.store.runIds().map((id) => [id, this.ingest.runModifiedMs(id)]));
    return [...modified.keys()].sort((a, b) => (modified.get(a) ?? 0) - (modified.get(b) ?? 0) || a.localeCompare(b));
  }

  /** A run's name as a user knows it: the name its logs gave it, else its folder relative to the root that holds it. */
  label(runId: string): string {
    const folder = this.folderLabel(runId);
    const name = this.ingest.runInfo(runId)?.name;
    return namedRunLabel(name, folder);
  }

  /** What the run's files said about it: its name and hyperparameters. */
  runInfo(runId: string) {
    return this.ingest.runInfo(runId);
  }

  private folderLabel(runId: string): string {
    for (const root of this.roots) {
      const path = relative(root, runId);
      if (path === '') return runId.split(sep).pop() ?? runId;
      if (!path.startsWith('..')) return path;
    }
    return runId;
  }

  private async stopWatching(): Promise<void> {
    const watchers = this.watchers;
    this.watchers = [];
    await Promise.all(watchers.map((watcher) => watcher.dispose()));
  }

  async dispose(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
    this.ingest.dispose();
    await this.stopWatching();
    await this.evaluations.dispose();
  }
}

function realPathOf(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
}
