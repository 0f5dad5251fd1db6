import * as vscode from 'vscode';
import type { RunView } from '../core/runView';
import { statusRunItems } from '../core/statusText';
import type { RunAliases } from '../core/runAliases';

/** A quick pick of the runs that log an eval accuracy, with it; the one shown now is marked. Undefined when dismissed. */
export async function chooseRun(views: readonly RunView[], currentId: string | undefined, now: number, aliases: RunAliases = {}): Promise<string | undefined> {
  const items: (vscode.QuickPickItem & { readonly runId: string })[] = statusRunItems(views, currentId, now, aliases);
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Token Accuracy Lens: no run logs an eval accuracy yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Status Bar Run',
    placeHolder: 'The run the status bar shows and holds',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.runId;
}
