import * as vscode from 'vscode';
import { visibleText } from '../core/displayText';
import type { RunView } from '../core/runView';
import { CHOOSE_STATUS_RUN, namedStatusLabel, namedStatusText, statusTooltip } from '../core/statusText';
import type { StatusRunReason } from '../core/statusRun';
import type { RunAliases } from '../core/runAliases';
import { demandsAttention } from '../core/analysis/warningSettings';
import { Disposable } from './disposable';

/** The held run's name and eval token accuracy, with a trend arrow; the theme's warning colours while a warning stands. */
export class StatusBar extends Disposable {
  private readonly item = this.own(vscode.window.createStatusBarItem('tokenAccuracyLens.status', vscode.StatusBarAlignment.Left, 100));

  constructor() {
    super();
    this.item.name = 'Token Accuracy Lens';
    this.item.command = 'tokenAccuracyLens.openPanel';
  }

  /** `polling`: the roots watched by polling (out of inotify watches) and the message with the fix. */
  update(
    run: RunView | undefined,
    allRuns: readonly RunView[],
    enabled: boolean,
    polling: readonly { path: string; message: string }[],
    reason?: StatusRunReason,
    aliases: RunAliases = {},
  ): void {
    // No item at all until a log is found (a workspace with only JSONL datasets should see nothing), unless watching itself is degraded.
    if (!enabled || (allRuns.length === 0 && polling.length === 0)) {
      this.item.hide();
      return;
    }
    // A plateau (information) or a low-confidence hint stays in the tooltip without turning the item yellow.
    const loudest = run?.warnings.find(demandsAttention);
    const warned = loudest !== undefined;
    // The run's name is plain text on one line: a `$(` in it would otherwise draw a theme icon.
    const named = visibleText(namedStatusText(run, aliases));
    this.item.text = `${warned ? '$(warning)' : '$(graph-line)'} ${named.replace(/\$\(/g, '\\$(')}${polling.length > 0 ? ' $(eye-watch) polling' : ''}`;
    const tooltip = new vscode.MarkdownString([statusTooltip(run, allRuns, reason, aliases), ...polling.map(pollingSection)].join('\n\n'), true);
    tooltip.isTrusted = { enabledCommands: ['tokenAccuracyLens.openPanel', CHOOSE_STATUS_RUN] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = warned ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.color = warned ? new vscode.ThemeColor('statusBarItem.warningForeground') : undefined;
    // The tooltip's Markdown is escaped where it is built (statusTooltip); the screen-reader label is plain text, but a key quoted in the message may hold controls.
    this.item.accessibilityInformation = {
      label: `${visibleText(namedStatusLabel(run, aliases))}${loudest === undefined ? '' : `, warning: ${visibleText(loudest.message)}`}`,
    };
    this.item.show();
  }
}

/** Paths are escaped (Markdown and theme icons); the message is the watcher's own text, with its commands as code. */
function pollingSection(notice: { path: string; message: string }): string {
  const path = notice.path.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~=$]/g, '\\$&');
  return `$(eye-watch) **${path}**: ${notice.message}`;
}
