import * as vscode from 'vscode';
import type { WarningSeverity } from '../core/analysis/warningSettings';

const SEVERITY: Readonly<Record<WarningSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/**
 * A diagnostic of this extension, in training logs and scripts alike: the Problems view groups it under
 * the extension's name, and `code` names the warning kind or rule that a setting can turn off.
 */
export function lensDiagnostic(range: vscode.Range, message: string, severity: WarningSeverity, code: string): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(range, message, SEVERITY[severity]);
  diagnostic.source = 'Token Accuracy Lens';
  diagnostic.code = code;
  return diagnostic;
}
