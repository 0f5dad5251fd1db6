import * as vscode from 'vscode';
import { visibleText } from '../core/displayText';
import type { RunView } from '../core/runView';
import { isLive } from '../core/runStatus';
import { statusText } from '../core/statusText';

interface RunItem extends vscode.QuickPickItem {
  readonly runId: string;
}

/** A quick pick of the runs that log an eval accuracy, with it; the one shown now is marked. Undefined when dismissed. */
export async function chooseRun(views: readonly RunView[], currentId: string | undefined, now: number): Promise<string | undefined> {
  const items: RunItem[] = views
    .filter((view) => view.latest !== null)
    .map((view) => ({
      runId: view.id,
      label: visibleText(view.label),
      description: `${statusText(view)} · ${isLive(view.updatedAt, now) ? 'live' : 'idle'}${view.id === currentId ? ' · shown now' : ''}`,
      detail: visibleText(view.id),
    }));
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
