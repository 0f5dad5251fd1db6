import * as vscode from 'vscode';
import { stepLinePattern } from '../core/logStepLine';
import type { RunView } from '../core/runView';

/**
 * Opens one of a run's log files, at the line that logs `step` when there is one. The path must be one
 * of the run's sources: the webview names a file, it cannot choose any file on disk.
 */
export async function openRunLog(view: RunView | undefined, path: string, step: number | null): Promise<void> {
  if (view === undefined || !view.sources.some((source) => source.path === path)) return;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  const options: vscode.TextDocumentShowOptions = { preview: true };
  if (step !== null) {
    const pattern = stepLinePattern(step);
    for (let line = 0; line < document.lineCount; line++) {
      if (pattern.test(document.lineAt(line).text)) {
        options.selection = document.lineAt(line).range;
        break;
      }
    }
  }
  await vscode.window.showTextDocument(document, options);
}
