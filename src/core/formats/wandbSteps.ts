import type { WandbItem } from './wandbRecord';

/**
 * W&B's step numbering of history rows, as its sender does it when a run is synced (HistoryStepTracker in
 * wandb's core/internal/stream/historystep.go). A row's step is its integer `_step` item, else its
 * `HistoryStep`, else the next number of a counter that starts at the run's starting step and passes every
 * step a row has carried; a step behind the counter is moved up to it, as W&B keeps steps increasing.
 * SDKs since wandb PR #12110 write rows logged without `step=` with neither (`new_auto_steps` in W&B's golden
 * transaction logs), as do processes of a run in shared mode, whose rows W&B's server numbers in the same
 * way as they arrive; read as step 0, every such row replaced the one before it.
 */
export interface WandbSteps {
  /** The step the next row without one gets; undefined until the first row, when the run's starting step applies. */
  readonly next: number | undefined;
  /** `RunRecord.starting_step`: where a resumed run's rows go on. */
  readonly startingStep: number;
}

export const INITIAL_WANDB_STEPS: WandbSteps = { next: undefined, startingStep: 0 };

/** Go's `strconv.ParseInt(text, 10, 64)`: W&B keeps a `_step` only when its JSON text is a plain integer. */
const INTEGER = /^[+-]?\d{1,16}$/;

function explicitStep(items: readonly WandbItem[]): number | undefined {
  for (const item of items) {
    if (item.key !== '_step') continue;
    return INTEGER.test(item.valueJson) ? Number(item.valueJson) : undefined;
  }
  return undefined;
}

/** The step W&B gives a history row, and the counter after it. */
export function assignStep(steps: WandbSteps, items: readonly WandbItem[], recordStep: number | undefined): { step: number; steps: WandbSteps } {
  const next = steps.next ?? steps.startingStep;
  const given = explicitStep(items) ?? recordStep;
  if (given === undefined) return { step: next, steps: { ...steps, next: next + 1 } };
  const step = Math.max(given, next);
  return { step, steps: { ...steps, next: step + 1 } };
}
