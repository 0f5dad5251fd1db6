import * as vscode from 'vscode';
import { isAbsolute, resolve } from 'node:path';
import type { RunView } from '../core/runView';
import { formatOverrides, type FormatOverrides } from '../node/formatSettings';
import { RunSession } from '../node/runSession';
import { SlicedQueue } from '../node/slicedQueue';
import type { EvalOutputsConfig } from '../node/tokens/evaluationContext';
import { Disposable } from './disposable';
import { MetricsPanel, PANEL_VIEW_TYPE } from './metricsPanel';
import { openRunLog } from './openLog';
import { requestedSeries, runViews, statusRunInputs } from './runViews';
import { pickStatusRun, type StatusRunPick } from '../core/statusRun';
import { chooseRun } from './statusRunPicker';
import { RunsTree } from './runsTree';
import { affectsSettings, readReaderOptions, readSettings, type Settings } from './settings';
import { StatusBar } from './statusBar';
import type { RunViewsChange } from './logDiagnostics';
import { restoreAliases, withAlias, type RunAliases } from '../core/runAliases';
import type { RunPart } from '../node/sourceReader';

/** The workspaceState key of the names the user gave runs in the panel. */
const RUN_ALIASES_KEY = 'tokenAccuracyLens.runAliases';

/** Owns the session, the status bar and the panel, and carries each change of the runs to them. */
export class LensController extends Disposable {
  private settings: Settings = readSettings();
  private readonly session: RunSession;
  private readonly statusBar = this.own(new StatusBar());
  private readonly runViewsChanged = this.own(new vscode.EventEmitter<RunViewsChange>());
  /** Each refresh's changed and removed runs, for the views that live outside the controller (diagnostics). */
  readonly onDidChangeRunViews = this.runViewsChanged.event;
  private readonly runsTree = this.own(new RunsTree());
  private views = new Map<string, RunView>();
  /** The run the status bar holds, and why; it changes only by pickStatusRun's rules. */
  private statusPick: StatusRunPick | null = null;
  /** The runs the active Python script writes; the code diagnostics know them, and set this when they start. */
  private activeScriptRuns: () => readonly string[] = () => [];
  private reportedProblems = new Set<string>();
  private panel: MetricsPanel | undefined;
  private readonly runsChanged = this.own(new vscode.EventEmitter<void>());
  /** Fires after the run views change, for the views that read them on demand (code diagnostics). */
  readonly onDidChangeRuns = this.runsChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    /** Where the names the user gives runs are kept: per workspace, not synced. */
    private readonly workspaceState: vscode.Memento,
  ) {
    super();
    this.session = new RunSession((message) => this.log.warn(message), this.formatOverrides(), {}, readReaderOptions());
    this.own({ dispose: () => void this.session.dispose() });
    // No ids: only the problems changed (a file the watcher skips, a root now polled): the panel and status bar show them.
    this.own(this.session.onRunsChanged((ids) => (ids.length === 0 ? this.applyViews(new Map()) : this.refresh(ids))));
    this.own(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!affectsSettings(event)) return;
        this.settings = readSettings();
        if (affectsSettings(event, 'console.patterns') || affectsSettings(event, 'evalOutputs.folders'))
          void this.session.setFormats(this.formatOverrides()).then(() => this.watchRoots());
        else if (affectsSettings(event, 'files.maxWholeFileMB')) void this.session.setReaders(readReaderOptions()).then(() => this.watchRoots());
        else if (affectsSettings(event, 'logDirectories')) void this.watchRoots();
        else this.refresh(this.session.store.runIds());
      }),
    );
    this.own(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.watchRoots()));
    this.statusBar.update(undefined, [], this.settings.statusBarEnabled, []);
  }

  /** Runs read from a document open in the editor (a notebook's live outputs), in place of its file's (`RunSession.feedLive`). */
  feedLive(path: string, format: string, runs: readonly RunPart[], problems: readonly string[]): void {
    this.session.feedLive(path, format, runs, problems);
  }

  endLive(path: string): void {
    this.session.endLive(path);
  }

  /** Evaluation settings (pairing options, cache folder, progress) for the session's readers. */
  configureEvaluations(update: Partial<EvalOutputsConfig>): void {
    this.session.configureEvaluations(update);
  }

  pruneEvaluationCache(): Promise<string[]> {
    return this.session.pruneEvaluationCache();
  }

  /** Workspace folders plus the extra directories from settings, relative ones against the first folder. */
  private roots(): string[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const base = folders[0] ?? process.cwd();
    const extra = this.settings.logDirectories.map((dir) => (isAbsolute(dir) ? dir : resolve(base, dir)));
    return [...new Set([...folders, ...extra])];
  }

  async watchRoots(): Promise<void> {
    const roots = this.roots();
    this.log.info(`Watching ${roots.length === 0 ? 'no folders' : roots.join(', ')}`);
    await this.session.watch(roots);
  }

  /** Reads every log again from the start, for when the user doubts what is shown. */
  async rescan(): Promise<void> {
    await this.session.restart();
  }

  /** Readers the settings configure (console patterns, evaluation-output folders); what cannot be used is said in the log. */
  private formatOverrides(): FormatOverrides {
    const { overrides, errors } = formatOverrides(this.settings.consolePatterns, this.settings.evalOutputFolders);
    for (const error of errors) this.log.warn(error);
    return overrides;
  }

  /** Analysis of many changed runs (a first scan) is spread over slices, so the extension host stays responsive. */
  private readonly pendingViews = this.own(
    new SlicedQueue<RunView | undefined>(
      (id) => runViews(this.session, this.settings, [id])[0],
      (results) => this.applyViews(results),
    ),
  );

  private refresh(runIds: readonly string[]): void {
    this.pendingViews.add(runIds);
  }

  private applyViews(results: ReadonlyMap<string, RunView | undefined>): void {
    const changed = [...results.values()].filter((view): view is RunView => view !== undefined);
    const removed = [...results].filter(([, view]) => view === undefined).map(([id]) => id);
    for (const id of removed) this.views.delete(id);
    for (const view of changed) this.views.set(view.id, view);
    this.views = new Map([...this.views].sort(([a], [b]) => a.localeCompare(b)));
    this.updateStatus();
    this.runsTree.update([...this.views.values()], this.aliases());
    this.panel?.update(changed, removed);
    this.runViewsChanged.fire({ changed, removed });
    this.logNewProblems();
    this.runsChanged.fire();
  }

  /** The problems that say a root is polled, and why, for the status bar. */
  private pollingNotices(): { path: string; message: string }[] {
    const polled = new Set(this.session.pollingRoots());
    return this.session.problems().filter((problem) => polled.has(problem.path));
  }

  runs(): readonly RunView[] {
    return [...this.views.values()];
  }

  /** The run the status bar shows, which the code diagnostics weigh a script by when it writes no known run. */
  activeRunId(): string | undefined {
    return this.statusPick?.runId;
  }

  /** Where the status bar learns the active script's runs, and a way to say the active script changed. */
  setActiveScriptRuns(runs: () => readonly string[]): void {
    this.activeScriptRuns = runs;
    this.updateStatus();
  }

  /** The status bar re-picks its run: the user's focus (a run id) wins, else the held run holds unless it ended. */
  updateStatus(focused?: string): void {
    const inputs = statusRunInputs(this.session, this.views, this.activeScriptRuns(), Date.now());
    this.statusPick = pickStatusRun(this.statusPick, focused === undefined ? inputs : { ...inputs, focused });
    const run = this.statusPick === null ? undefined : this.views.get(this.statusPick.runId);
    this.statusBar.update(run, [...this.views.values()], this.settings.statusBarEnabled, this.pollingNotices(), this.statusPick?.reason, this.aliases());
  }

  /** The names the user gave runs in the panel's runs table, which the status bar, the quick picks and the runs tree show too. */
  aliases(): RunAliases {
    return restoreAliases(this.workspaceState.get(RUN_ALIASES_KEY));
  }

  /** A run renamed in the panel: kept per workspace, then shown at once outside the panel too. */
  private async renameRun(runId: string, alias: string): Promise<void> {
    await this.workspaceState.update(RUN_ALIASES_KEY, withAlias(this.aliases(), runId, alias));
    this.updateStatus();
    this.runsTree.update([...this.views.values()], this.aliases());
  }

  /** The "Choose Status Bar Run" command: a quick pick of the runs with their accuracy. */
  async chooseStatusRun(): Promise<void> {
    const runId = await chooseRun([...this.views.values()], this.statusPick?.runId, Date.now(), this.aliases());
    if (runId !== undefined) this.updateStatus(runId);
  }

  /** Each problem is written to the output channel once, when it first appears. */
  private logNewProblems(): void {
    const current = new Set(this.session.problems().map((problem) => `${problem.path}: ${problem.message}`));
    for (const line of current) if (!this.reportedProblems.has(line)) this.log.warn(line);
    this.reportedProblems = current;
  }

  /** Opens (or shows) the panel; with a run id, the panel brings that run to the front. */
  openPanel(runId?: string): void {
    if (this.panel === undefined) {
      const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Token Accuracy', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [],
      });
      this.attachPanel(panel);
    }
    if (runId !== undefined && this.views.has(runId)) {
      this.panel?.focusRun(runId);
      // Opening a run (from the tree, a warning, a code action) is focusing it: the status bar follows.
      this.updateStatus(runId);
    } else this.panel?.reveal();
  }

  revealRun(runId: string): void {
    if (this.views.has(runId)) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(runId));
  }

  /** A panel restored after a reload gets its options, HTML and handlers anew: nothing of the old one is trusted. */
  attachPanel(webviewPanel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    const panel = new MetricsPanel(webviewPanel, this.extensionUri, {
      views: () => [...this.views.values()],
      problems: () => [...this.session.problems(), ...this.session.unverifiedProblems(this.settings.roleOverrides)],
      smoothing: () => this.settings.smoothing,
      revealRun: (runId) => this.revealRun(runId),
      focusedRun: (runId) => this.updateStatus(runId),
      series: (request) => requestedSeries(this.session.store, request, (run) => this.session.resolve(run, this.settings.roleOverrides).run),
      calibration: (runId) => this.session.calibration(runId, this.settings.roleOverrides),
      tokens: (runId) => this.session.tokens(runId, this.settings.roleOverrides),
      aliases: () => this.aliases(),
      renameRun: (runId, alias) => void this.renameRun(runId, alias),
      openLog: (runId, path, step) =>
        void openRunLog(this.views.get(runId), path, step).catch((error: unknown) => this.log.warn(`Could not open ${path}: ${(error as Error).message}`)),
    });
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  override dispose(): void {
    this.panel?.dispose();
    super.dispose();
  }
}
