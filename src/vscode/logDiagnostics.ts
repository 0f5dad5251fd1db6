import * as vscode from 'vscode';
import { sep } from 'node:path';
import type { RunView } from '../core/runView';
import { locateTrainerState, positionAt } from '../core/jsonLocator';
import { currentStateFile, trainerStateFindings } from '../core/trainerStateFindings';
import { Disposable } from './disposable';
import { lensDiagnostic } from './lensDiagnostic';
import { readReaderOptions } from './settings';

/** What the views carry from one refresh to the next: the runs that changed and the runs that went. */
export interface RunViewsChange {
  readonly changed: readonly RunView[];
  readonly removed: readonly string[];
}

/** The file on disk, unless the user holds unsaved edits of it: then the positions must follow those. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open?.isDirty === true) return open.getText();
  // A file swapped for a huge one (or a FIFO) since the run was read is not read here either: no marks rather than a blocked host.
  const info = await vscode.workspace.fs.stat(uri);
  if ((info.type & vscode.FileType.File) === 0 || info.size > readReaderOptions().maxWholeFileBytes) return '';
  return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
}

/**
 * Inline warnings in a run's trainer_state.json: on `best_model_checkpoint` / `best_metric` when they keep
 * the best by loss and not by token accuracy, and on the log entry where a warning begins. Updated with
 * each change of the run; cleared when the run goes or no longer warns.
 */
export class LogDiagnostics extends Disposable {
  private readonly collection = this.own(vscode.languages.createDiagnosticCollection('tokenAccuracyLens.logs'));
  private readonly fileByRun = new Map<string, vscode.Uri>();
  /** Bumped per run on each update, so that a slow read never overwrites a newer one. */
  private readonly generation = new Map<string, number>();

  constructor(onDidChange: vscode.Event<RunViewsChange>) {
    super();
    this.own(onDidChange((change) => this.update(change)));
    // A deleted run folder or state file takes its marks with it at once, whether or not the run's
    // sources are still held by the session. Deletes only: VS Code already watches the workspace.
    const deletions = this.own(vscode.workspace.createFileSystemWatcher('**', true, true, false));
    this.own(deletions.onDidDelete((uri) => this.forgetUnder(uri.fsPath)));
  }

  private forgetUnder(deleted: string): void {
    for (const [runId, uri] of [...this.fileByRun]) {
      if (uri.fsPath !== deleted && !uri.fsPath.startsWith(deleted.endsWith(sep) ? deleted : deleted + sep)) continue;
      this.nextGeneration(runId);
      this.clear(runId);
    }
  }

  update({ changed, removed }: RunViewsChange): void {
    for (const id of removed) {
      this.nextGeneration(id);
      this.clear(id);
    }
    for (const view of changed) void this.updateRun(view);
  }

  private nextGeneration(runId: string): number {
    const generation = (this.generation.get(runId) ?? 0) + 1;
    this.generation.set(runId, generation);
    return generation;
  }

  private clear(runId: string): void {
    const uri = this.fileByRun.get(runId);
    if (uri !== undefined) this.collection.delete(uri);
    this.fileByRun.delete(runId);
  }

  /** The old marks stay until the new ones are ready, so that a live run's file does not flicker. */
  private async updateRun(view: RunView): Promise<void> {
    const generation = this.nextGeneration(view.id);
    const path = currentStateFile(view.id, view.sources);
    if (path === undefined || !view.warnings.some((warning) => warning.confidence !== 'low' && warning.kind !== 'plateau')) {
      this.clear(view.id);
      return;
    }
    const uri = vscode.Uri.file(path);
    let text: string;
    try {
      text = await readText(uri);
    } catch {
      // The file went between the run's read and this one: its marks go with it.
      if (this.generation.get(view.id) === generation) this.clear(view.id);
      return;
    }
    if (this.isDisposed || this.generation.get(view.id) !== generation) return;
    // A file caught half-rewritten keeps its previous marks until the complete one is read.
    const layout = locateTrainerState(text);
    if (layout === undefined) return;
    const findings = trainerStateFindings(layout, view.warnings, {
      evalLoss: view.evalLoss?.key ?? null,
      trainLoss: view.trainLoss?.key ?? null,
      accuracy: view.accuracyMeasure,
    });
    const diagnostics = findings.map((finding) => {
      const start = positionAt(text, finding.start);
      const end = positionAt(text, finding.end);
      return lensDiagnostic(new vscode.Range(start.line, start.character, end.line, end.character), finding.message, finding.severity, finding.kind);
    });
    if (this.fileByRun.get(view.id)?.toString() !== uri.toString()) this.clear(view.id);
    this.fileByRun.set(view.id, uri);
    this.collection.set(uri, diagnostics);
  }
}
