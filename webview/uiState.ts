/** What the webview owns and persists with setState: the user's intent, never the data. */
export interface UiState {
  readonly smoothing: number;
  readonly hiddenRunIds: readonly string[];
  readonly showTrainLoss: boolean;
}

export function defaultUiState(smoothing: number): UiState {
  return { smoothing, hiddenRunIds: [], showTrainLoss: true };
}

/** State restored after a reload is checked like any other input: a stale or foreign shape falls back to defaults. */
export function restoreUiState(saved: unknown, smoothing: number): UiState {
  const fallback = defaultUiState(smoothing);
  if (typeof saved !== 'object' || saved === null) return fallback;
  const state = saved as Record<string, unknown>;
  const savedSmoothing = state['smoothing'];
  const hidden = state['hiddenRunIds'];
  return {
    smoothing: typeof savedSmoothing === 'number' && savedSmoothing >= 0 && savedSmoothing < 1 ? savedSmoothing : fallback.smoothing,
    hiddenRunIds: Array.isArray(hidden) ? hidden.filter((id): id is string => typeof id === 'string') : [],
    showTrainLoss: typeof state['showTrainLoss'] === 'boolean' ? state['showTrainLoss'] : true,
  };
}
