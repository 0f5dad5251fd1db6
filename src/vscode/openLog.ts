import * as vscode from 'vscode';
import { stepLineIndex } from '../core/logStepLine';
import type { RunView } from '../core/runView';

/**
 * Opens one of a run's log files, at the line that logs `step` when there is one (an eval record's line before a train record's). The path must be one
 * of the run's sources: the webview names a file, it cannot choose any file on disk.
 */
export async function openRunLog(view: RunView | undefined, path: string, step: number | null): Promise<void> {
  if (view === undefined || !view.sources.some((source) => source.path === path)) return;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  const options: vscode.TextDocumentShowOptions = { preview: true };
  if (step !== null) {
    const line = stepLineIndex(document.lineCount, (index) => document.lineAt(index).text, step);
    if (line !== undefined) options.selection = document.lineAt(line).range;
  }
  await vscode.window.showTextDocument(document, options);
}
