import * as vscode from 'vscode';
import { isWebviewMessage, type HostMessage, type Problem, type RunView } from '../protocol';
import { calibrationFor } from '../node/tokens/calibrationSource';
import { Disposable } from './disposable';
import { localResourceRoots, panelHtml } from './panelHtml';

export const PANEL_VIEW_TYPE = 'tokenAccuracyLens.metrics';

/** What the panel needs from the host: the current views and problems, and where a run lives. */
export interface PanelDataSource {
  views(): readonly RunView[];
  problems(): readonly Problem[];
  smoothing(): number;
  revealRun(runId: string): void;
}

/**
 * The metrics panel. Nothing is posted before the webview says `ready`; while hidden it is only marked
 * stale, and gets a full snapshot when it is visible again.
 */
export class MetricsPanel extends Disposable {
  private ready = false;
  private stale = false;
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
        if (panel.visible && this.stale) this.sendSnapshot();
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

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendSnapshot();
        break;
      case 'revealSource':
        this.data.revealRun(message.runId);
        break;
      case 'requestCalibration':
        this.post({ type: 'calibration', runId: message.runId, view: calibrationFor(message.runId) });
        break;
    }
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private sendSnapshot(): void {
    this.stale = false;
    this.post({ type: 'snapshot', runs: this.data.views(), problems: this.data.problems(), defaultSmoothing: this.data.smoothing() });
  }

  /** Sends the runs that changed; a hidden or not-yet-ready panel is only marked stale. */
  update(changed: readonly RunView[], removedRunIds: readonly string[]): void {
    if (this.isDisposed) return;
    if (!this.ready || !this.panel.visible) {
      this.stale = true;
      return;
    }
    this.post({ type: 'update', runs: changed, removedRunIds, problems: this.data.problems() });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}
