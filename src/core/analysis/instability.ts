import type { Series } from '../types';
import { smoothDebiased } from './smoothing';
import { mannKendallP } from './statistics';
import type { Warning } from './warning';

/** The series rule (d) watches, by the keys the log used. */
export interface InstabilityInputs {
  readonly trainLoss?: { readonly key: string; readonly series: Series };
  readonly evalLoss?: { readonly key: string; readonly series: Series };
  readonly gradNorm?: { readonly key: string; readonly series: Series };
}

const SPIKE_WINDOW = 20;
const SPIKE_MIN_WINDOW = 10;
const DIVERGENCE_LOGS = 20;

function describe(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'infinite' : '−infinite';
}

/** Any non-finite loss, eval loss or grad norm: the run has broken down (an fp16 overflow, a bad batch, too high a learning rate). */
export function nonFiniteValues(inputs: InstabilityInputs): Warning | undefined {
  const found = [inputs.trainLoss, inputs.evalLoss, inputs.gradNorm].flatMap((input) => {
    if (input === undefined) return [];
    const bad = input.series.values.flatMap((value, i) => (Number.isFinite(value) ? [] : [{ step: input.series.steps[i] as number, value }]));
    const first = bad[0];
    const last = bad[bad.length - 1];
    return first === undefined || last === undefined ? [] : [{ key: input.key, first, last, count: bad.length }];
  });
  if (found.length === 0) return undefined;
  const startStep = Math.min(...found.map((item) => item.first.step));
  const step = Math.max(...found.map((item) => item.last.step));
  const parts = found.map(
    (item) => `${item.key} is ${describe(item.first.value)} at step ${item.first.step}${item.count > 1 ? ` (${item.count} logs in all)` : ''}`,
  );
  const evidence: Record<string, number> = { firstStep: startStep, lastStep: step };
  for (const item of found) evidence[`${item.key}NonFiniteCount`] = item.count;
  return {
    kind: 'instability',
    form: 'non-finite',
    confidence: 'high',
    step,
    startStep,
    message: `Training has broken down: ${parts.join('; ')}. Check for fp16 overflow or a bad batch, or lower the learning rate.`,
    evidence,
  };
}

function finite(series: Series): { steps: number[]; values: number[] } {
  const steps: number[] = [];
  const values: number[] = [];
  series.values.forEach((value, i) => {
    if (!Number.isFinite(value)) return;
    steps.push(series.steps[i] as number);
    values.push(value);
  });
  return { steps, values };
}

/**
 * The last `size` values kept in order as new ones come: a run that logs every step has hundreds of
 * thousands of logs, and sorting each one's window anew made the analysis take seconds on every update.
 */
class TrailingWindow {
  private readonly arrived: number[] = [];
  private readonly sorted: number[] = [];

  constructor(private readonly size: number) {}

  push(value: number): void {
    this.sorted.splice(this.lowerBound(value), 0, value);
    this.arrived.push(value);
    if (this.arrived.length > this.size) this.sorted.splice(this.lowerBound(this.arrived.shift() as number), 1);
  }

  median(): number {
    const n = this.sorted.length;
    return n % 2 === 1 ? (this.sorted[n >> 1] as number) : ((this.sorted[(n >> 1) - 1] as number) + (this.sorted[n >> 1] as number)) / 2;
  }

  /** MAD about `center` without a sort: the deviations below and above it are each in order, so they are merged. */
  mad(center: number): number {
    const n = this.sorted.length;
    const deviations: number[] = [];
    let below = this.lowerBound(center) - 1;
    let above = below + 1;
    while (deviations.length <= n >> 1) {
      const down = below >= 0 ? center - (this.sorted[below] as number) : Number.POSITIVE_INFINITY;
      const up = above < n ? (this.sorted[above] as number) - center : Number.POSITIVE_INFINITY;
      if (down <= up) below--;
      else above++;
      deviations.push(Math.min(down, up));
    }
    return n % 2 === 1 ? (deviations[n >> 1] as number) : ((deviations[(n >> 1) - 1] as number) + (deviations[n >> 1] as number)) / 2;
  }

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.sorted[middle] as number) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * A spike: against the trailing 20 logs (at least 10), x_t ≥ 1.5·μ and (x_t − μ)/(1.4826·MAD) ≥ 6, with μ
 * their median. Both tests, so that neither a tiny MAD on a flat stretch nor a big jump on a noisy one
 * alone makes a spike. A loss that has collapsed to a median of 0 has no scale to spike against: a later
 * 1e-4 is not a spike.
 */
export function lossSpikes(trainLoss: { readonly key: string; readonly series: Series }): Warning | undefined {
  const { steps, values } = finite(trainLoss.series);
  const spikes: { step: number; value: number; center: number; score: number }[] = [];
  const window = new TrailingWindow(SPIKE_WINDOW);
  values.forEach((value, t) => {
    if (t >= SPIKE_MIN_WINDOW) {
      const center = window.median();
      const spread = 1.4826 * window.mad(center);
      const score = spread > 0 ? (value - center) / spread : value > center ? Number.POSITIVE_INFINITY : 0;
      if (center > 0 && value >= 1.5 * center && score >= 6) spikes.push({ step: steps[t] as number, value, center, score });
    }
    window.push(value);
  });
  const first = spikes[0];
  const worst = spikes.reduce<(typeof spikes)[number] | undefined>(
    (top, spike) => (top === undefined || spike.value / spike.center > top.value / top.center ? spike : top),
    undefined,
  );
  const last = spikes[spikes.length - 1];
  if (first === undefined || worst === undefined || last === undefined) return undefined;
  const times = (worst.value / worst.center).toFixed(1);
  return {
    kind: 'instability',
    form: 'spike',
    confidence: 'medium',
    step: last.step,
    startStep: first.step,
    message: `The train loss (${trainLoss.key}) spiked ${spikes.length === 1 ? 'once' : `${spikes.length} times`}, worst at step ${worst.step} (${worst.value.toPrecision(3)}, ${times}× the median of the 20 logs before it). Spikes often come before divergence: consider a lower learning rate, more warm-up or gradient clipping.`,
    evidence: {
      spikes: spikes.length,
      firstSpikeStep: first.step,
      worstSpikeStep: worst.step,
      worstSpikeValue: worst.value,
      worstSpikeMedian: worst.center,
      ...(Number.isFinite(worst.score) ? { worstSpikeScore: worst.score } : {}),
    },
  };
}

/**
 * Divergence of the train loss: its smoothed curve has stayed above 1.5× its earlier minimum for at least
 * 20 logs, or has risen above the initial loss, and the last 20 raw logs trend up (MK_p ≤ 0.01). Eval loss
 * is never used here: eval loss rising while train loss falls is rule (a) or (b), not divergence.
 */
export function divergence(trainLoss: { readonly key: string; readonly series: Series }): Warning | undefined {
  const { steps, values } = finite(trainLoss.series);
  if (values.length < DIVERGENCE_LOGS + 1) return undefined;
  const recentP = mannKendallP(values.slice(-DIVERGENCE_LOGS), 'up');
  if (recentP > 0.01) return undefined;
  const smoothed = smoothDebiased(values, 0.6);
  const initial = smoothed[0] as number;
  const last = smoothed[smoothed.length - 1] as number;
  const minimumBefore = [Number.POSITIVE_INFINITY];
  for (const value of smoothed) minimumBefore.push(Math.min(minimumBefore[minimumBefore.length - 1] as number, value));
  // The trailing stretch in which every smoothed value is above 1.5× the minimum before it.
  let start = smoothed.length;
  while (start > 1 && (smoothed[start - 1] as number) > 1.5 * (minimumBefore[start - 1] as number)) start--;
  const earlierMinimum = minimumBefore[start] as number;
  const above = smoothed.length - start;
  const aboveInitial = last > initial;
  if (above < DIVERGENCE_LOGS && !aboveInitial) return undefined;
  let lastAtOrBelowInitial = smoothed.length - 1;
  while (lastAtOrBelowInitial > 0 && (smoothed[lastAtOrBelowInitial] as number) > initial) lastAtOrBelowInitial--;
  const startStep = steps[above >= DIVERGENCE_LOGS ? start : lastAtOrBelowInitial + 1] as number;
  const reason =
    above >= DIVERGENCE_LOGS
      ? `has stayed above 1.5× its earlier minimum (${earlierMinimum.toPrecision(3)}) for ${above} logs`
      : `is back above where it started (${initial.toPrecision(3)})`;
  return {
    kind: 'instability',
    form: 'divergence',
    confidence: 'high',
    step: steps[steps.length - 1] as number,
    startStep,
    message: `Training is diverging: the smoothed train loss (${trainLoss.key}) ${reason} and is still rising (Mann–Kendall p = ${recentP.toPrecision(2)} over the last ${DIVERGENCE_LOGS} logs). Lower the learning rate or restart from an earlier checkpoint.`,
    evidence: { startStep, logsAboveMinimum: above, earlierMinimum, initialLoss: initial, lastSmoothedLoss: last, trendP: recentP },
  };
}

/** Rule (d) on the train log: every form that applies, non-finite values first. */
export function instability(inputs: InstabilityInputs): Warning[] {
  const warnings = [nonFiniteValues(inputs)];
  if (inputs.trainLoss !== undefined) warnings.push(lossSpikes(inputs.trainLoss), divergence(inputs.trainLoss));
  return warnings.filter((warning): warning is Warning => warning !== undefined);
}
