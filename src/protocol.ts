import { isAlias, type RunAliases } from './core/runAliases';
import type { RunView, SeriesData } from './core/runView';
import type { CalibrationView } from './core/tokens/calibrationView';
import type { TokensView } from './core/tokens/tokenContexts';
import type { Problem } from './core/types';

/** One series the webview asks for: a metric key of a run, between two steps (null: the whole run). */
export interface SeriesRequest {
  readonly runId: string;
  readonly key: string;
  readonly from: number | null;
  readonly to: number | null;
}

/** Requests larger than this are refused: the webview never needs more than the runs it draws. */
export const MAX_SERIES_PER_REQUEST = 4000;

/**
 * The only messages between the extension host and the webview. The host owns the data and sends it
 * after the webview says `ready`; the webview owns only UI intent (smoothing, hidden runs, train loss).
 */
export type HostMessage =
  | {
      readonly type: 'snapshot';
      readonly runs: readonly RunView[];
      readonly problems: readonly Problem[];
      readonly defaultSmoothing: number;
      readonly now: number;
      /** The names the user gave runs in this workspace, shown instead of their labels in every view (absent: none). */
      readonly aliases?: RunAliases;
    }
  | {
      readonly type: 'update';
      readonly runs: readonly RunView[];
      readonly removedRunIds: readonly string[];
      readonly problems: readonly Problem[];
      readonly now: number;
    }
  | { readonly type: 'series'; readonly requestId: number; readonly series: readonly (SeriesRequest & { readonly data: SeriesData | null })[] }
  | { readonly type: 'focusRun'; readonly runId: string }
  | { readonly type: 'calibration'; readonly runId: string; readonly view: CalibrationView | null }
  | { readonly type: 'tokens'; readonly runId: string; readonly view: TokensView | null };

export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'addDumpHelper' }
  | { readonly type: 'revealSource'; readonly runId: string }
  | { readonly type: 'requestCalibration'; readonly runId: string }
  | { readonly type: 'requestTokens'; readonly runId: string }
  /** The user focused a run in the panel (a row of the run list or table): the status bar then shows it. */
  | { readonly type: 'focusRun'; readonly runId: string }
  | { readonly type: 'openLog'; readonly runId: string; readonly path: string; readonly step: number | null }
  | { readonly type: 'findLossTrustingCode'; readonly runId: string }
  /** The user renamed a run in the panel (an empty alias gives it back its own label). */
  | { readonly type: 'renameRun'; readonly runId: string; readonly alias: string }
  | { readonly type: 'requestSeries'; readonly requestId: number; readonly items: readonly SeriesRequest[] }
  | { readonly type: 'export'; readonly format: 'png' | 'csv'; readonly fileName: string; readonly data: string };

const isStepBound = (value: unknown): boolean => value === null || (typeof value === 'number' && Number.isFinite(value));

function isSeriesRequest(value: unknown): value is SeriesRequest {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  return typeof item['runId'] === 'string' && typeof item['key'] === 'string' && isStepBound(item['from']) && isStepBound(item['to']);
}

/** A file name the user will see in the save dialog: no folders, nothing but a plain name. */
const isPlainFileName = (value: unknown): boolean => typeof value === 'string' && /^[\w.\- ]{1,100}$/.test(value);

/** Every message from the webview is checked before it is acted on. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message['type']) {
    case 'ready':
    case 'addDumpHelper':
      return true;
    case 'revealSource':
    case 'requestCalibration':
    case 'requestTokens':
    case 'focusRun':
    case 'findLossTrustingCode':
      return typeof message['runId'] === 'string';
    case 'renameRun':
      return typeof message['runId'] === 'string' && isAlias(message['alias']);
    case 'openLog':
      return typeof message['runId'] === 'string' && typeof message['path'] === 'string' && isStepBound(message['step']);
    case 'requestSeries': {
      const items = message['items'];
      return Number.isInteger(message['requestId']) && Array.isArray(items) && items.length <= MAX_SERIES_PER_REQUEST && items.every(isSeriesRequest);
    }
    case 'export':
      return (message['format'] === 'png' || message['format'] === 'csv') && isPlainFileName(message['fileName']) && typeof message['data'] === 'string';
    default:
      return false;
  }
}

export type { RunView, Problem, SeriesData };
