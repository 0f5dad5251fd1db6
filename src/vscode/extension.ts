import * as vscode from 'vscode';
import { LensController } from './lensController';
import { PANEL_VIEW_TYPE } from './metricsPanel';
import { LogDiagnostics } from './logDiagnostics';
import { distGrammarFiles } from '../node/python/pythonParser';
import { LossTrustCodeActions } from './codeActions';
import { CodeDiagnostics } from './codeDiagnostics';
import { NotebookFeed } from './notebookFeed';
import { SHOW_LOSS_TRUSTING_CODE, showLossTrustingCode } from './lossTrustSearch';
import { wireEvalOutputs } from './evalOutputsSettings';
import { ADD_DUMP_HELPER, addDumpHelper } from './dumpHelperCommand';
import { checkpointCommands } from './checkpointCommands';
import { CHOOSE_STATUS_RUN } from '../core/statusText';

/** Run commands are called with a run id (tree item clicks, links) or with the tree's element (context menus). */
function runIdOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target === 'object' && target !== null && typeof (target as { id?: unknown }).id === 'string') return (target as { id: string }).id;
  return undefined;
}

/** Wires the parts together and nothing else; the first scan runs after activation returns. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Token Accuracy Lens', { log: true });
  context.subscriptions.push(log);
  try {
    const controller = new LensController(context.extensionUri, log, context.workspaceState);
    // Before the first scan (after activation returns): the session reads evaluations with the user's settings.
    context.subscriptions.push(wireEvalOutputs(context, controller));
    context.subscriptions.push(
      controller,
      new LogDiagnostics(controller.onDidChangeRunViews),
      new NotebookFeed(controller),
      vscode.commands.registerCommand('tokenAccuracyLens.openPanel', () => controller.openPanel()),
      vscode.commands.registerCommand('tokenAccuracyLens.rescan', () => controller.rescan()),
      vscode.commands.registerCommand(ADD_DUMP_HELPER, () => addDumpHelper(context.extensionUri)),
      vscode.commands.registerCommand('tokenAccuracyLens.openPanelAtRun', (target: unknown) => controller.openPanel(runIdOf(target))),
      vscode.commands.registerCommand('tokenAccuracyLens.revealRun', (target: unknown) => {
        const runId = runIdOf(target);
        if (runId !== undefined) controller.revealRun(runId);
      }),
      ...checkpointCommands(controller, runIdOf),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => controller.attachPanel(panel),
      }),
    );
    const codeDiagnostics = new CodeDiagnostics(distGrammarFiles(vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath), controller, log);
    context.subscriptions.push(
      codeDiagnostics,
      vscode.languages.registerCodeActionsProvider({ language: 'python' }, new LossTrustCodeActions(codeDiagnostics), {
        providedCodeActionKinds: LossTrustCodeActions.providedCodeActionKinds,
      }),
      vscode.commands.registerCommand(SHOW_LOSS_TRUSTING_CODE, (target: unknown) => {
        const runId = runIdOf(target);
        return showLossTrustingCode(runId === undefined ? [] : codeDiagnostics.codeTrustingLossOf(runId));
      }),
      vscode.commands.registerCommand(CHOOSE_STATUS_RUN, () => controller.chooseStatusRun()),
      // The status bar prefers the run the active script writes: it re-picks when the editor or that script's runs change.
      vscode.window.onDidChangeActiveTextEditor(() => controller.updateStatus()),
      codeDiagnostics.onDidChangeWrites((uri) => {
        if (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()) controller.updateStatus();
      }),
    );
    controller.setActiveScriptRuns(() => {
      const document = vscode.window.activeTextEditor?.document;
      return document === undefined ? [] : codeDiagnostics.writesOf(document.uri);
    });
    setTimeout(() => {
      controller.watchRoots().catch((error: unknown) => log.error(`Scanning logs failed: ${(error as Error).message}`));
    }, 0);
  } catch (error) {
    const message = `Token Accuracy Lens could not start: ${(error as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}

export function deactivate(): void {}
