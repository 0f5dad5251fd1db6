import type { RunView, SeriesData } from '../src/core/runView';

export type XAxisMode = 'step' | 'epoch' | 'relative' | 'wall';

export const X_AXIS_LABELS: Readonly<Record<XAxisMode, string>> = { step: 'step', epoch: 'epoch', relative: 'relative time', wall: 'wall time' };

/** Maps a run's steps to the chosen x axis and back; null where the run's logs give no such time. */
export interface XMapping {
  toX(step: number): number | null;
  toStep(x: number): number | null;
}

const IDENTITY: XMapping = { toX: (step) => step, toStep: (x) => x };

/** Logs give wall time in seconds (W&B `_timestamp`) or in milliseconds; the axis is in seconds. */
function seconds(value: number): number {
  return value > 1e11 ? value / 1000 : value;
}

/** Piecewise-linear interpolation through sorted knots, extended along the end segments. */
function interpolate(xs: readonly number[], ys: readonly number[], at: number): number | null {
  const n = xs.length;
  if (n === 0) return null;
  if (n === 1) return at === xs[0] ? (ys[0] as number) : null;
  let low = 0;
  let high = n - 1;
  if (at <= (xs[0] as number)) high = 1;
  else if (at >= (xs[n - 1] as number)) low = n - 2;
  else {
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if ((xs[middle] as number) <= at) low = middle;
      else high = middle;
    }
  }
  const x0 = xs[low] as number;
  const x1 = xs[high] as number;
  const y0 = ys[low] as number;
  const y1 = ys[high] as number;
  return x1 === x0 ? y0 : y0 + ((at - x0) / (x1 - x0)) * (y1 - y0);
}

/** Knots of an axis series, keeping only finite values that never go back (a resumed run's clock can). */
function knots(series: SeriesData | null, transform: (value: number) => number): { steps: number[]; values: number[] } {
  const steps: number[] = [];
  const values: number[] = [];
  if (series === null) return { steps, values };
  series.steps.forEach((step, i) => {
    const raw = series.values[i];
    if (raw === null || raw === undefined) return;
    const value = transform(raw);
    if (values.length > 0 && value < (values[values.length - 1] as number)) return;
    steps.push(step);
    values.push(value);
  });
  return { steps, values };
}

export function xMapping(run: RunView, mode: XAxisMode): XMapping | null {
  if (mode === 'step') return IDENTITY;
  const axis = knots(mode === 'epoch' ? run.axes.epoch : run.axes.wallTime, mode === 'epoch' ? (value) => value : seconds);
  if (axis.steps.length === 0) return null;
  const offset = mode === 'relative' ? (axis.values[0] as number) : 0;
  const relative = axis.values.map((value) => value - offset);
  return {
    toX: (step) => interpolate(axis.steps, relative, step),
    toStep: (x) => interpolate(relative, axis.steps, x),
  };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Tick text: seconds since the start as h:mm:ss, wall time as the local date and time. */
export function formatX(value: number, mode: XAxisMode): string {
  if (mode === 'relative') {
    const total = Math.round(value);
    const sign = total < 0 ? '-' : '';
    const abs = Math.abs(total);
    return `${sign}${Math.floor(abs / 3600)}:${pad(Math.floor(abs / 60) % 60)}:${pad(abs % 60)}`;
  }
  if (mode === 'wall') {
    const date = new Date(value * 1000);
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }
  // As many decimals as the value needs (up to 4, float noise off): ticks every 0.25 epoch read 0.25, 0.5, 0.75, 1.
  if (mode === 'epoch') return String(Number(value.toFixed(4)));
  return String(Math.round(value));
}

/** The x axis as the charts title and tick it, and the runs whose x is not what the title says. */
export interface ShownXAxis<Run> {
  /** The title and tick format: `epoch` on the step axis when every drawn run counts its x in epochs. */
  readonly mode: XAxisMode;
  /** On the step axis with runs of both kinds, the runs drawn at their epoch (empty: none, or all and the title says so). */
  readonly epochRuns: readonly Run[];
}

/**
 * A run read from a notebook's printed Trainer dicts or Keras logs has no step: its reader put the epoch where the
 * step goes. On the step axis, runs that all count in epochs make it an epoch axis (titled, ticked and read out so);
 * mixed with runs that count steps the axis stays "step" and the runs drawn at their epoch are named, so that units
 * are never mixed without a word. The other axes map every run through its own epoch or clock and need neither.
 */
export function shownXAxis<Run extends { readonly xUnit: RunView['xUnit'] }>(mode: XAxisMode, drawn: readonly Run[]): ShownXAxis<Run> {
  if (mode !== 'step') return { mode, epochRuns: [] };
  const epochRuns = drawn.filter((run) => run.xUnit === 'epoch');
  if (epochRuns.length > 0 && epochRuns.length === drawn.length) return { mode: 'epoch', epochRuns: [] };
  return { mode, epochRuns };
}
