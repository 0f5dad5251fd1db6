import type { RunView } from './core/runView';
import type { CalibrationView } from './core/tokens/calibrationView';
import type { Problem } from './core/types';

/**
 * The only messages between the extension host and the webview. The host owns the data and sends it
 * after the webview says `ready`; the webview owns only UI intent (smoothing, hidden runs, train loss).
 */
export type HostMessage =
  | { readonly type: 'snapshot'; readonly runs: readonly RunView[]; readonly problems: readonly Problem[]; readonly defaultSmoothing: number }
  | { readonly type: 'update'; readonly runs: readonly RunView[]; readonly removedRunIds: readonly string[]; readonly problems: readonly Problem[] }
  | { readonly type: 'calibration'; readonly runId: string; readonly view: CalibrationView | null };

export type WebviewMessage = { readonly type: 'ready' } | { readonly type: 'revealSource'; readonly runId: string } | { readonly type: 'requestCalibration'; readonly runId: string };

/** Every message from the webview is checked before it is acted on. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message['type']) {
    case 'ready':
      return true;
    case 'revealSource':
    case 'requestCalibration':
      return typeof message['runId'] === 'string';
    default:
      return false;
  }
}

export type { RunView, Problem };
