import type { MetricPoint } from '../types';
import { xAt } from '../xUnit';
import type { NotebookRun } from './notebookOutputs';

/** The run info parameter that says where a notebook's evaluation went, and why. */
export const EVALUATION_PARAMETER = 'evaluation';

const isEvalKey = (key: string): boolean => key.startsWith('eval_');

/** The Trainer's timing keys of an evaluation (`eval_runtime`, `eval_samples_per_second`, …). */
const TIMING = /_(?:runtime|samples_per_second|steps_per_second|model_preparation_time)$/;

/** A run that is one evaluation and nothing else (`trainer.evaluate()` in a cell of its own): its x and its keys. */
function evaluationOf(run: NotebookRun): { x: number; keys: readonly string[] } | undefined {
  const first = run.points[0];
  if (first === undefined || !run.points.every((point) => isEvalKey(point.key) && point.step === first.step)) return undefined;
  return { x: first.step, keys: [...new Set(run.points.map((point) => point.key))].sort() };
}

function lastX(run: NotebookRun): number {
  return run.points.reduce((last, point) => Math.max(last, point.step), Number.NEGATIVE_INFINITY);
}

function evalKeys(run: NotebookRun): string[] {
  return [...new Set(run.points.filter((point) => isEvalKey(point.key)).map((point) => point.key))].sort();
}

const cellName = (run: NotebookRun): string => `cell ${run.cellIndex + 1}`;

/**
 * Why a training is not the one the evaluation belongs to; undefined when it is: the same x, the evaluation at the
 * training's last x, and the training's evaluation keys all in the evaluation (the Trainer's progress table drops
 * `eval_runtime` and the like, so the evaluation may have more, never fewer).
 */
function mismatch(training: NotebookRun, evaluation: { x: number; keys: readonly string[] }, unit: NotebookRun['x']): string | undefined {
  if (training.x !== unit) return `its x is the ${training.x} and the evaluation's the ${unit}`;
  const last = lastX(training);
  if (last !== evaluation.x) return `it ends at ${xAt(unit, last)}, the evaluation is at ${xAt(unit, evaluation.x)}`;
  const keys = evalKeys(training);
  if (keys.length === 0) return 'it logged no evaluation to compare keys with';
  const missing = keys.filter((key) => !evaluation.keys.includes(key));
  if (missing.length > 0) return `the evaluation lacks ${missing.join(', ')}, which it logged`;
  return undefined;
}

function withParameter(run: NotebookRun, text: string, points: MetricPoint[] = run.points): NotebookRun {
  const parameters = run.runInfo.parameters ?? {};
  const known = parameters[EVALUATION_PARAMETER];
  const value = known === undefined ? text : `${String(known)}; ${text}`;
  return { ...run, points, runInfo: { ...run.runInfo, parameters: { ...parameters, [EVALUATION_PARAMETER]: value } } };
}

/** What the training logged itself at the evaluation's x, against what the evaluation printed. */
function valuesNote(training: NotebookRun, evaluation: NotebookRun, x: number): string {
  const own = new Map(training.points.filter((point) => point.step === x).map((point) => [point.key, point.value]));
  // How long an evaluation took differs from one to the next of the same model: only the metrics tell them apart.
  const shared = evaluation.points.filter((point) => own.has(point.key) && !TIMING.test(point.key));
  if (shared.length === 0) return 'the training logged no evaluation there';
  const differ = [...new Set(shared.filter((point) => !Object.is(own.get(point.key), point.value)).map((point) => point.key))];
  return differ.length === 0
    ? "its values repeat the training's own evaluation there"
    : `its ${differ.join(', ')} differ from the training's own evaluation there (a model loaded back, load_best_model_at_end, would do so): the evaluation's values are kept`;
}

/**
 * An evaluation printed in a cell of its own after the training cell (`trainer.evaluate()` printing
 * `{'eval_loss': …, 'epoch': 3.0}`) joins the training it evaluates: the nearest training in an earlier cell
 * whose last x (the epoch, for printed dicts) is the evaluation's and whose evaluation keys it has. Its run info
 * says so; where no training settles it, the evaluation stays a run of its own and its info says why. Runs are
 * given and returned in notebook order.
 */
export function joinNotebookEvaluations(runs: readonly NotebookRun[]): NotebookRun[] {
  const result: NotebookRun[] = [];
  for (const run of runs) {
    const evaluation = evaluationOf(run);
    if (evaluation === undefined) {
      result.push(run);
      continue;
    }
    const trainings = result.flatMap((candidate, index) =>
      candidate.cellIndex < run.cellIndex && evaluationOf(candidate) === undefined ? [{ candidate, index }] : [],
    );
    const matches = trainings.filter(({ candidate }) => mismatch(candidate, evaluation, run.x) === undefined);
    const chosen = matches[matches.length - 1];
    const at = xAt(run.x, evaluation.x);
    if (chosen === undefined) {
      const nearest = trainings[trainings.length - 1]?.candidate;
      const why =
        nearest === undefined
          ? 'no earlier cell of this notebook trains'
          : `no earlier training ends at ${at} with its evaluation keys; the nearest, ${cellName(nearest)}: ${mismatch(nearest, evaluation, run.x) ?? ''}`;
      result.push(withParameter(run, `kept as a run of its own (${why})`));
      continue;
    }
    const training = chosen.candidate;
    const others = matches.length - 1;
    const text =
      `${cellName(run)}'s evaluation at ${at} joined: the nearest earlier training ending at ${at} with its keys (${evalKeys(training).join(', ')})` +
      `${others === 0 ? '' : `, of ${matches.length} that do`}; ${valuesNote(training, run, evaluation.x)}`;
    result[chosen.index] = withParameter(training, text, [...training.points, ...run.points]);
  }
  return result;
}
