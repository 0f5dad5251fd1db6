import type { Warning, WarningKind } from './warning';

/** How loudly a warning is presented; the same four levels as an editor diagnostic. */
export type WarningSeverity = 'error' | 'warning' | 'information' | 'hint';

export interface RuleSetting {
  readonly enabled: boolean;
  readonly severity: WarningSeverity;
}

export type WarningSettings = Readonly<Record<WarningKind, RuleSetting>>;

/**
 * The rule names of the `tokenAccuracyLens.warnings.<rule>.*` settings. A plateau is advice (more
 * training is unlikely to help), not a fault, so it defaults to information rather than a warning.
 */
export const RULE_SETTING_NAMES: Readonly<Record<WarningKind, string>> = {
  'misleading-loss': 'misleadingLoss',
  overfitting: 'overfitting',
  plateau: 'plateau',
  instability: 'instability',
  'checkpoint-disagreement': 'checkpointDisagreement',
};

export const DEFAULT_WARNING_SETTINGS: WarningSettings = {
  'misleading-loss': { enabled: true, severity: 'warning' },
  overfitting: { enabled: true, severity: 'warning' },
  plateau: { enabled: true, severity: 'information' },
  instability: { enabled: true, severity: 'warning' },
  'checkpoint-disagreement': { enabled: true, severity: 'warning' },
};

export const WARNING_SEVERITIES: readonly WarningSeverity[] = ['error', 'warning', 'information', 'hint'];

export function isWarningSeverity(value: unknown): value is WarningSeverity {
  return typeof value === 'string' && (WARNING_SEVERITIES as readonly string[]).includes(value);
}

/** Drops the warnings of rules the user turned off and gives the rest the severity the user chose. */
export function applyWarningSettings(warnings: readonly Warning[], settings: WarningSettings): Warning[] {
  return warnings.filter((warning) => settings[warning.kind].enabled).map((warning) => ({ ...warning, severity: settings[warning.kind].severity }));
}

/**
 * Whether a warning should draw the eye (status bar colour, inline diagnostics): low confidence is shown
 * only where the user looks for detail, and information or hints never turn anything yellow.
 */
export function demandsAttention(warning: Warning): boolean {
  const severity = warning.severity ?? DEFAULT_WARNING_SETTINGS[warning.kind].severity;
  return warning.confidence !== 'low' && (severity === 'error' || severity === 'warning');
}

/** A run view (or anything carrying warnings) with the user's settings applied to its warnings. */
export function withWarningSettings<T extends { readonly warnings: readonly Warning[] }>(view: T, settings: WarningSettings): T {
  return { ...view, warnings: applyWarningSettings(view.warnings, settings) };
}
