import * as vscode from 'vscode';
import { DEFAULT_MAX_WHOLE_FILE_MB, type ReaderOptions } from '../node/wholeFileReader';
import type { RoleOverrides } from '../core/analysis/metricRoles';
import type { WarningKind } from '../core/analysis/warning';
import { DEFAULT_WARNING_SETTINGS, RULE_SETTING_NAMES, isWarningSeverity, type WarningSettings } from '../core/analysis/warningSettings';
import { RULE_IDS, type RuleId } from '../node/python/finding';

/** A typed mirror of the `tokenAccuracyLens.*` settings declared in package.json. */
export interface Settings {
  readonly logDirectories: readonly string[];
  /** `console.patterns`: the user's own console-log lines, regular expressions with named groups. */
  readonly consolePatterns: readonly string[];
  /** `evalOutputs.folders`: names of the folders whose tensor files are evaluation outputs. */
  readonly evalOutputFolders: readonly string[];
  readonly roleOverrides: RoleOverrides;
  readonly smoothing: number;
  readonly statusBarEnabled: boolean;
  readonly warnings: WarningSettings;
}

const SECTION = 'tokenAccuracyLens';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}

/** `warnings.<rule>.enabled` and `warnings.<rule>.severity` for each rule; anything unreadable falls back to the default. */
function warningSettings(config: vscode.WorkspaceConfiguration): WarningSettings {
  const entries = (Object.keys(DEFAULT_WARNING_SETTINGS) as WarningKind[]).map((kind) => {
    const name = `warnings.${RULE_SETTING_NAMES[kind]}`;
    const fallback = DEFAULT_WARNING_SETTINGS[kind];
    const enabled = config.get<unknown>(`${name}.enabled`);
    const severity = config.get<unknown>(`${name}.severity`);
    return [
      kind,
      { enabled: typeof enabled === 'boolean' ? enabled : fallback.enabled, severity: isWarningSeverity(severity) ? severity : fallback.severity },
    ] as const;
  });
  return Object.fromEntries(entries) as Record<WarningKind, WarningSettings[WarningKind]>;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const smoothing = config.get<number>('chart.smoothing', 0.6);
  return {
    logDirectories: strings(config.get('logDirectories')),
    consolePatterns: strings(config.get('console.patterns')),
    evalOutputFolders: strings(config.get('evalOutputs.folders')),
    roleOverrides: {
      evalLoss: strings(config.get('metrics.evalLossKeys')),
      evalAccuracy: strings(config.get('metrics.evalAccuracyKeys')),
      trainLoss: strings(config.get('metrics.trainLossKeys')),
    },
    smoothing: Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : 0.6,
    statusBarEnabled: config.get<boolean>('statusBar.enabled', true),
    warnings: warningSettings(config),
  };
}

export const CODE_WARNING_LEVELS = ['default', 'off', 'hint', 'information', 'warning', 'error'] as const;
export type CodeWarningLevel = (typeof CODE_WARNING_LEVELS)[number];

/** `tokenAccuracyLens.codeWarnings.*`: inline warnings in training scripts, read apart from the rest as only they use it. */
export interface CodeWarningSettings {
  readonly enabled: boolean;
  readonly levels: ReadonlyMap<RuleId, CodeWarningLevel>;
}

export function readCodeWarningSettings(): CodeWarningSettings {
  const config = vscode.workspace.getConfiguration(`${SECTION}.codeWarnings`);
  const levels = new Map<RuleId, CodeWarningLevel>();
  const configured = config.get<Record<string, unknown>>('rules', {});
  for (const rule of RULE_IDS) {
    const level = configured[rule];
    if (CODE_WARNING_LEVELS.some((known) => known === level)) levels.set(rule, level as CodeWarningLevel);
  }
  return { enabled: config.get<boolean>('enabled', true), levels };
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent, name?: string): boolean {
  return event.affectsConfiguration(name === undefined ? SECTION : `${SECTION}.${name}`);
}

/** `tokenAccuracyLens.files.maxWholeFileMB`: files read whole above it are a problem, not a read (a whole number of MB, at least 1). */
export function readReaderOptions(): ReaderOptions {
  const megabytes = vscode.workspace.getConfiguration(SECTION).get<number>('files.maxWholeFileMB', DEFAULT_MAX_WHOLE_FILE_MB);
  return { maxWholeFileBytes: (Number.isFinite(megabytes) && megabytes >= 1 ? Math.floor(megabytes) : DEFAULT_MAX_WHOLE_FILE_MB) * 1024 * 1024 };
}
