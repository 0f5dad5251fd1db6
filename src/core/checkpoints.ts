import { argmax, argmin, type EvalPoints } from './analysis/evalPoints';

/** Hugging Face's Trainer saves each checkpoint in `<output_dir>/checkpoint-<global step>`. */
export const CHECKPOINT_FOLDER = /^checkpoint-(\d+)$/;

/** The step a `checkpoint-N` folder name stands for; undefined for any other name. */
export function checkpointStep(name: string): number | undefined {
  const match = CHECKPOINT_FOLDER.exec(name);
  const step = match === null ? NaN : Number(match[1]);
  return Number.isSafeInteger(step) ? step : undefined;
}

/** The steps of the `checkpoint-N` names among `names`, ascending, each once. */
export function checkpointSteps(names: readonly string[]): number[] {
  const steps = new Set<number>();
  for (const name of names) {
    const step = checkpointStep(name);
    if (step !== undefined) steps.add(step);
  }
  return [...steps].sort((a, b) => a - b);
}

export interface SurvivingPick {
  readonly step: number;
  readonly accuracy: number;
}

/**
 * What the checkpoint folders on disk say about the best checkpoint by accuracy, when its folder is missing
 * while others are there: the evaluated checkpoint left with the highest accuracy, and the best by eval loss
 * (what `load_best_model_at_end` on the loss loads) with whether its folder is there.
 */
export interface MissingBest {
  readonly missingStep: number;
  readonly onDisk: readonly number[];
  /** The best by accuracy among the checkpoints on disk that were evaluated; null when none was. */
  readonly bestSurviving: SurvivingPick | null;
  readonly lossStep: number;
  readonly lossStepOnDisk: boolean;
}

/**
 * Undefined when there is nothing to say: no checkpoint folder at all (the listing then says nothing about a
 * deletion: the run may save elsewhere, or not at all), or the best-by-accuracy checkpoint is on disk.
 */
export function missingBest(points: EvalPoints, onDisk: readonly number[]): MissingBest | undefined {
  if (onDisk.length === 0 || points.steps.length === 0) return undefined;
  const present = new Set(onDisk);
  const missingStep = points.steps[argmax(points.accuracy)] as number;
  if (present.has(missingStep)) return undefined;
  let bestSurviving: SurvivingPick | null = null;
  points.steps.forEach((step, i) => {
    const accuracy = points.accuracy[i] as number;
    if (present.has(step) && (bestSurviving === null || accuracy > bestSurviving.accuracy)) bestSurviving = { step, accuracy };
  });
  const lossStep = points.steps[argmin(points.loss)] as number;
  return { missingStep, onDisk, bestSurviving, lossStep, lossStepOnDisk: present.has(lossStep) };
}

/** The checkpoint to keep by accuracy: the best-by-accuracy step's folder when it is on disk, else the best evaluated one left. */
export function checkpointToKeep(points: EvalPoints, onDisk: readonly number[]): number | undefined {
  if (onDisk.length === 0 || points.steps.length === 0) return undefined;
  const missing = missingBest(points, onDisk);
  return missing === undefined ? (points.steps[argmax(points.accuracy)] as number) : missing.bestSurviving?.step;
}

/** How a list of checkpoint folders reads in a message: all of a few, else the first and last few. */
export function checkpointList(steps: readonly number[]): string {
  const names = steps.map((step) => `checkpoint-${step}`);
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 3).join(', ')}, …, ${names.slice(-2).join(', ')}`;
}
