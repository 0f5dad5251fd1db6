import { runPalette } from './runColors';
/** Chart colours come from the theme's `--vscode-charts-*` variables, re-read when the theme changes. */
const RUN_COLOR_VARIABLES = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-charts-red',
];
const FALLBACKS = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#cca700', '#f14c4c'];

/** Palette slots: the theme's six chart colours, then the same six blended toward the text colour (runPalette). */
export const PALETTE_SIZE = RUN_COLOR_VARIABLES.length * 2;

export interface ThemeColors {
  readonly runs: readonly string[];
  readonly foreground: string;
  readonly background: string;
  readonly grid: string;
  readonly warning: string;
  readonly font: string;
}

function variable(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export function readThemeColors(): ThemeColors {
  const base = RUN_COLOR_VARIABLES.map((name, i) => variable(name, FALLBACKS[i] as string));
  const foreground = variable('--vscode-foreground', '#cccccc');
  return {
    runs: runPalette(base, foreground),
    foreground,
    background: variable('--vscode-editor-background', '#1e1e1e'),
    grid: variable('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)'),
    warning: variable('--vscode-editorWarning-foreground', '#cca700'),
    font: variable('--vscode-font-family', 'sans-serif'),
  };
}

export function runColor(theme: ThemeColors, index: number): string {
  return theme.runs[index % theme.runs.length] as string;
}

/** The colour at a given opacity, whatever syntax the theme used for it. */
export function withAlpha(color: string, alpha: number): string {
  return `color-mix(in srgb, ${color} ${Math.round(alpha * 100)}%, transparent)`;
}

/** Calls back when VS Code switches theme (it changes the body's class and variables). */
export function onThemeChange(callback: () => void): void {
  new MutationObserver(callback).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}
