import * as vscode from 'vscode';
import { fixTitle } from '../node/python/fixEdits';
import type { CodeDiagnostics } from './codeDiagnostics';

/**
 * Quick fixes for the code diagnostics: rewrite the configuration to follow the run's accuracy metric
 * upwards, and open the metrics panel at the run the warning quotes.
 */
export class LossTrustCodeActions implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: CodeDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const runs = new Set<string>();
    for (const shown of this.diagnostics.shownAt(document, range)) {
      const { finding, report, diagnostic } = shown;
      // In a notebook a fix can change another cell than the diagnostic's: the one that made the arguments.
      const edits = report.offersFix ? shown.fixEdits() : [];
      if (edits.length > 0) {
        const fix = new vscode.CodeAction(fixTitle(finding.fix, report.metricKey), vscode.CodeActionKind.QuickFix);
        fix.edit = new vscode.WorkspaceEdit();
        for (const edit of edits) fix.edit.replace(edit.uri, edit.range, edit.newText);
        fix.diagnostics = [diagnostic];
        fix.isPreferred = true;
        actions.push(fix);
      }
      if (report.runId !== null && !runs.has(report.runId)) {
        runs.add(report.runId);
        const title = `Open run "${report.runLabel ?? report.runId}" in the metrics panel`;
        const open = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        open.command = { command: 'tokenAccuracyLens.openPanelAtRun', title, arguments: [report.runId] };
        open.diagnostics = [diagnostic];
        actions.push(open);
      }
    }
    return actions;
  }
}
