import type { Series } from '../types';
import { smoothDebiased } from './smoothing';
import { mannKendallP } from './statistics';
import { scanSeries, SPIKE_WINDOW, type SeriesScan } from './seriesScan';
import type { Warning } from './warning';

/** The series rule (d) watches, by the keys the log used. */
export interface InstabilityInputs {
  readonly trainLoss?: { readonly key: string; readonly series: Series };
  readonly evalLoss?: { readonly key: string; readonly series: Series };
  readonly gradNorm?: { readonly key: string; readonly series: Series };
}

/** Read from a scan's trailing window, which holds SPIKE_WINDOW logs: never more than those. */
const DIVERGENCE_LOGS = Math.min(20, SPIKE_WINDOW);

function describe(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'infinite' : '−infinite';
}

/** The passes over each input series that rule (d) rests on, when the caller keeps them between updates. */
export interface InstabilityScans {
  readonly trainLoss?: SeriesScan;
  readonly evalLoss?: SeriesScan;
  readonly gradNorm?: SeriesScan;
}

/** Scans of the inputs, continuing those given (which must be of the same series, see SeriesScan). */
export function scanInputs(inputs: InstabilityInputs, scans: InstabilityScans = {}): InstabilityScans {
  return {
    ...(inputs.trainLoss && { trainLoss: scanSeries(inputs.trainLoss.series, true, scans.trainLoss) }),
    ...(inputs.evalLoss && { evalLoss: scanSeries(inputs.evalLoss.series, false, scans.evalLoss) }),
    ...(inputs.gradNorm && { gradNorm: scanSeries(inputs.gradNorm.series, false, scans.gradNorm) }),
  };
}

/** Any non-finite loss, eval loss or grad norm: the run has broken down (an fp16 overflow, a bad batch, too high a learning rate). */
export function nonFiniteValues(inputs: InstabilityInputs, scans: InstabilityScans = scanInputs(inputs)): Warning | undefined {
  const found = (['trainLoss', 'evalLoss', 'gradNorm'] as const).flatMap((role) => {
    const input = inputs[role];
    const bad = scans[role]?.nonFinite;
    return input === undefined || bad === undefined ? [] : [{ key: input.key, ...bad }];
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
 * A spike: against the trailing 20 logs (at least 10), x_t ≥ 1.5·μ and (x_t − μ)/(1.4826·MAD) ≥ 6, with μ
 * their median. Both tests, so that neither a tiny MAD on a flat stretch nor a big jump on a noisy one
 * alone makes a spike. A loss that has collapsed to a median of 0 has no scale to spike against: a later
 * 1e-4 is not a spike.
 */
export function lossSpikes(
  trainLoss: { readonly key: string; readonly series: Series },
  scan: SeriesScan = scanSeries(trainLoss.series, true),
): Warning | undefined {
  const { spikes } = scan;
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
export function divergence(
  trainLoss: { readonly key: string; readonly series: Series },
  scan: SeriesScan = scanSeries(trainLoss.series, true),
): Warning | undefined {
  // The scan's trailing window holds the last 20 finite logs: a run not rising now is settled without a pass over all of them.
  if (scan.finiteCount < DIVERGENCE_LOGS + 1) return undefined;
  const recentP = mannKendallP(scan.recent.slice(-DIVERGENCE_LOGS), 'up');
  if (recentP > 0.01) return undefined;
  const { steps, values } = finite(trainLoss.series);
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
export function instability(inputs: InstabilityInputs, scans: InstabilityScans = scanInputs(inputs)): Warning[] {
  const warnings = [nonFiniteValues(inputs, scans)];
  if (inputs.trainLoss !== undefined) {
    const scan = scans.trainLoss ?? scanSeries(inputs.trainLoss.series, true);
    warnings.push(lossSpikes(inputs.trainLoss, scan), divergence(inputs.trainLoss, scan));
  }
  return warnings.filter((warning): warning is Warning => warning !== undefined);
}
