import * as vscode from 'vscode';
import type { RoleOverrides } from '../core/analysis/metricRoles';
import type { WarningKind } from '../core/analysis/warning';
import { DEFAULT_WARNING_SETTINGS, RULE_SETTING_NAMES, isWarningSeverity, type WarningSettings } from '../core/analysis/warningSettings';

/** A typed mirror of the `tokenAccuracyLens.*` settings declared in package.json. */
export interface Settings {
  readonly logDirectories: readonly string[];
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
    return [kind, { enabled: typeof enabled === 'boolean' ? enabled : fallback.enabled, severity: isWarningSeverity(severity) ? severity : fallback.severity }] as const;
  });
  return Object.fromEntries(entries) as Record<WarningKind, WarningSettings[WarningKind]>;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const smoothing = config.get<number>('chart.smoothing', 0.6);
  return {
    logDirectories: strings(config.get('logDirectories')),
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

export function affectsSettings(event: vscode.ConfigurationChangeEvent, name?: string): boolean {
  return event.affectsConfiguration(name === undefined ? SECTION : `${SECTION}.${name}`);
}
