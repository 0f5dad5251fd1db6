import * as vscode from 'vscode';
import { isWebviewMessage, type HostMessage, type Problem, type RunView, type SeriesData, type SeriesRequest } from '../protocol';
import type { RunAliases } from '../core/runAliases';
import type { CalibrationView } from '../core/tokens/calibrationView';
import type { TokensView } from '../core/tokens/tokenContexts';
import { Disposable } from './disposable';
import { saveExport } from './exportFile';
import { ADD_DUMP_HELPER } from './dumpHelperCommand';
import { SHOW_LOSS_TRUSTING_CODE } from './lossTrustSearch';
import { localResourceRoots, panelHtml } from './panelHtml';
import { coarseView, FIRST_DRAW_MAX_POINTS, viewPoints } from '../core/firstDraw';

export const PANEL_VIEW_TYPE = 'tokenAccuracyLens.metrics';

/** What the panel needs from the host: the current views and problems, and where a run lives. */
export interface PanelDataSource {
  views(): readonly RunView[];
  problems(): readonly Problem[];
  smoothing(): number;
  revealRun(runId: string): void;
  /** The user focused a run in the panel. */
  focusedRun(runId: string): void;
  /** A series from the store (not the downsampled view), for detail when the user zooms or picks a key. */
  series(request: SeriesRequest): SeriesData | null;
  openLog(runId: string, path: string, step: number | null): void;
  /** The run's calibration view from the evaluation outputs the session read; null when it has none. */
  calibration(runId: string): CalibrationView | null;
  /** The run's Tokens section: the tokens carrying its loss change between two evaluations; null when it has no evaluation outputs. */
  tokens(runId: string): Promise<TokensView | null>;
  /** The names the user gave runs, kept per workspace. */
  aliases(): RunAliases;
  renameRun(runId: string, alias: string): void;
}

/**
 * The metrics panel. Nothing is posted before the webview says `ready`; while hidden it is only marked
 * stale, and gets a full snapshot when it is visible again.
 */
export class MetricsPanel extends Disposable {
  private ready = false;
  private stale = false;
  private pendingFocus: string | undefined;
  private readonly onDisposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposed.event;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly data: PanelDataSource,
  ) {
    super();
    this.own(this.onDisposed);
    panel.webview.options = { enableScripts: true, localResourceRoots: localResourceRoots(extensionUri) };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = panelHtml(panel.webview, extensionUri, data.smoothing());
    this.own(panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)));
    this.own(
      panel.onDidChangeViewState(() => {
        // Hidden, the page is destroyed (there is no retainContextWhenHidden): it reloads and says `ready`
        // again when shown, and nothing posted meanwhile would arrive.
        if (!panel.visible) this.ready = false;
        else if (this.stale) this.sendSnapshot();
      }),
    );
    this.own(
      panel.onDidDispose(() => {
        this.onDisposed.fire();
        this.dispose();
      }),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Brings a run to the front of the panel; waits for the webview if it is loading (or will reload when shown). */
  focusRun(runId: string): void {
    const showing = this.ready && this.panel.visible;
    this.reveal();
    if (showing) this.post({ type: 'focusRun', runId });
    else this.pendingFocus = runId;
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendSnapshot(true);
        if (this.pendingFocus !== undefined) this.post({ type: 'focusRun', runId: this.pendingFocus });
        this.pendingFocus = undefined;
        break;
      case 'revealSource':
        this.data.revealRun(message.runId);
        break;
      case 'focusRun':
        this.data.focusedRun(message.runId);
        break;
      case 'requestCalibration':
        this.post({ type: 'calibration', runId: message.runId, view: this.data.calibration(message.runId) });
        break;
      case 'requestTokens':
        // Found with the run's tokenizer, read from disk: a panel closed meanwhile takes no message.
        void this.data
          .tokens(message.runId)
          .then((view) => this.post({ type: 'tokens', runId: message.runId, view }))
          .catch(() => undefined);
        break;
      case 'renameRun':
        this.data.renameRun(message.runId, message.alias);
        // A full snapshot carries the aliases: every view of the panel shows the new name at once.
        this.sendSnapshot();
        break;
      case 'openLog':
        this.data.openLog(message.runId, message.path, message.step);
        break;
      case 'requestSeries':
        this.post({ type: 'series', requestId: message.requestId, series: message.items.map((item) => ({ ...item, data: this.data.series(item) })) });
        break;
      case 'findLossTrustingCode':
        // The code diagnostics, not the panel, know the scripts; the command is where both meet.
        void vscode.commands.executeCommand(SHOW_LOSS_TRUSTING_CODE, message.runId);
        break;
      case 'addDumpHelper':
        void vscode.commands.executeCommand(ADD_DUMP_HELPER);
        break;
      case 'export':
        void saveExport(message.format, message.fileName, message.data);
        break;
    }
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  /**
   * `opening`: the page has just loaded. With many long runs it first gets every view with coarse series, which
   * it draws at once, and the views as they are right after (see firstDraw.ts): the rest fills in.
   */
  private sendSnapshot(opening = false): void {
    this.stale = false;
    const views = this.data.views();
    const coarse = opening && viewPoints(views) > FIRST_DRAW_MAX_POINTS;
    this.post({
      type: 'snapshot',
      runs: coarse ? views.map((view) => coarseView(view)) : views,
      problems: this.data.problems(),
      defaultSmoothing: this.data.smoothing(),
      now: Date.now(),
      aliases: this.data.aliases(),
    });
    if (!coarse) return;
    // A turn later, so that the coarse message is on its way before the full one is serialized.
    setImmediate(() => {
      const current = this.data.views();
      const present = new Set(current.map((view) => view.id));
      this.update(
        current,
        views.filter((view) => !present.has(view.id)).map((view) => view.id),
      );
    });
  }

  /** Sends the runs that changed; a hidden or not-yet-ready panel is only marked stale. */
  update(changed: readonly RunView[], removedRunIds: readonly string[]): void {
    if (this.isDisposed) return;
    if (!this.ready || !this.panel.visible) {
      this.stale = true;
      return;
    }
    this.post({ type: 'update', runs: changed, removedRunIds, problems: this.data.problems(), now: Date.now() });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}
