import * as vscode from 'vscode';
import { escapeMarkdown } from '../core/displayText';
import type { RunView } from '../core/runView';
import { Disposable } from './disposable';
import { isLive } from '../core/runStatus';
import { formatAccuracy } from '../core/analysis/accuracyMeasure';
import { checkpointDescription } from '../core/checkpointChoice';
import type { RunAliases } from '../core/runAliases';
import { displayLabel } from '../core/runLabel';
import { runsBadge } from '../core/runsBadge';
import { demandsAttention } from '../core/analysis/warningSettings';
import { xAt } from '../core/xUnit';

export const RUNS_VIEW_ID = 'tokenAccuracyLens.runs';

/** One run as the tree shows it, by the name every view shows: a standing warning first in the icon, then live or idle. */
export function runTreeItem(view: RunView, now: number, aliases: RunAliases = {}): vscode.TreeItem {
  const name = displayLabel(view, aliases);
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
  const live = isLive(view.updatedAt, now);
  const parts = [
    view.latest === null
      ? 'no eval accuracy yet'
      : `${view.accuracyMeasure === null ? '–' : formatAccuracy(view.latest.accuracy, view.accuracyMeasure.scale)} @ ${view.xUnit === 'epoch' ? xAt('epoch', view.latest.step) : view.latest.step}`,
    live ? 'live' : 'idle',
  ];
  if (view.warnings.length > 0) parts.push(`${view.warnings.length} warning${view.warnings.length === 1 ? '' : 's'}`);
  item.id = view.id;
  item.description = parts.join(' · ');
  item.resourceUri = vscode.Uri.file(view.id);
  item.contextValue = 'run';
  item.iconPath = view.warnings.some(demandsAttention)
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
    : new vscode.ThemeIcon(live ? 'pulse' : 'graph-line', live ? new vscode.ThemeColor('charts.green') : undefined);
  // appendText leaves line breaks, `=`, `|` and `<` to the Markdown: a run name could start a heading, a table or HTML.
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`${escapeMarkdown(name)}\n\n`);
  // The full name when the one shown is an alias or shortened.
  if (name !== view.label) tooltip.appendMarkdown(`_${escapeMarkdown(view.label)}_\n\n`);
  if (view.accuracyDefinition !== null) tooltip.appendMarkdown(`Accuracy: ${escapeMarkdown(view.accuracyDefinition)}\n\n`);
  if (view.accuracyNote !== null) tooltip.appendMarkdown(`${escapeMarkdown(view.accuracyNote)}\n\n`);
  for (const warning of view.warnings) tooltip.appendMarkdown(`⚠ ${escapeMarkdown(warning.message)}\n\n`);
  if (view.checkpointToKeep !== null) tooltip.appendMarkdown(`Keep ${escapeMarkdown(checkpointDescription(view, view.checkpointToKeep))}.\n\n`);
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${name}, ${parts.join(', ')}` };
  item.command = { command: 'tokenAccuracyLens.openPanelAtRun', title: 'Open in Metrics Panel', arguments: [view.id] };
  return item;
}

/** The "Training Runs" view: every discovered run, with live status and a badge counting runs with a standing warning. */
export class RunsTree extends Disposable implements vscode.TreeDataProvider<RunView> {
  private views: readonly RunView[] = [];
  private aliases: RunAliases = {};
  private readonly changed = this.own(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly treeView: vscode.TreeView<RunView>;

  constructor() {
    super();
    this.treeView = this.own(vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this, showCollapseAll: false }));
    // Live turns to idle with time alone, so the view is redrawn now and then while it is visible.
    const timer = setInterval(() => {
      if (this.treeView.visible && this.views.length > 0) this.changed.fire();
    }, 30_000);
    this.own({ dispose: () => clearInterval(timer) });
  }

  update(views: readonly RunView[], aliases: RunAliases = {}): void {
    this.views = views;
    this.aliases = aliases;
    this.treeView.badge = runsBadge(views);
    this.changed.fire();
  }

  getTreeItem(view: RunView): vscode.TreeItem {
    return runTreeItem(view, Date.now(), this.aliases);
  }

  getChildren(parent?: RunView): RunView[] {
    return parent === undefined ? [...this.views] : [];
  }
}
