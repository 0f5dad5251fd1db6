import * as vscode from 'vscode';
import { LensController } from './lensController';
import { PANEL_VIEW_TYPE } from './metricsPanel';
import { LogDiagnostics } from './logDiagnostics';
import { distGrammarFiles } from '../node/python/pythonParser';
import { LossTrustCodeActions } from './codeActions';
import { CodeDiagnostics } from './codeDiagnostics';
import { wireEvalOutputs } from './evalOutputsSettings';

/** Wires the parts together and nothing else; the first scan runs after activation returns. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Token Accuracy Lens', { log: true });
  context.subscriptions.push(log);
  try {
    context.subscriptions.push(wireEvalOutputs(context));
    const controller = new LensController(context.extensionUri, log);
    context.subscriptions.push(
      controller,
      new LogDiagnostics(controller.onDidChangeRunViews),
      vscode.commands.registerCommand('tokenAccuracyLens.openPanel', () => controller.openPanel()),
      vscode.commands.registerCommand('tokenAccuracyLens.rescan', () => controller.rescan()),
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
    );
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
