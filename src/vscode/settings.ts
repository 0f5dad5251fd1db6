import * as vscode from 'vscode';
import type { RoleOverrides } from '../core/analysis/metricRoles';

/** A typed mirror of the `tokenAccuracyLens.*` settings declared in package.json. */
export interface Settings {
  readonly logDirectories: readonly string[];
  readonly roleOverrides: RoleOverrides;
  readonly smoothing: number;
  readonly statusBarEnabled: boolean;
}

const SECTION = 'tokenAccuracyLens';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
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
  };
}

export function affectsSettings(event: vscode.ConfigurationChangeEvent, name?: string): boolean {
  return event.affectsConfiguration(name === undefined ? SECTION : `${SECTION}.${name}`);
}
