import type { RuleFinding } from './finding';
import { isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric, isLossMetric } from './metricNames';
import { argument, assignedCalls, type PyCall, type PythonScript } from './syntax';

const LOSS_NAME = /loss/i;
/** `-val_acc`, `1 - val_acc`, `100.0 - acc`: an accuracy turned into something to minimise, as mode "min" wants. */
const NEGATED = /^[(\s]*(?:-|\d[\d.]*\s*-)/;

/**
 * A PyTorch `ReduceLROnPlateau` whose `.step(...)` is given a loss (advice), or an accuracy while the
 * scheduler minimises (a bug, fixed by turning its mode).
 */
function plateauStepFindings(script: PythonScript): RuleFinding[] {
  /** The ReduceLROnPlateau a `.step` call may step: built in any branch that binds the name, or known only from an isinstance guard. */
  const plateauAt = (call: PyCall): PyCall | 'guarded' | undefined => {
    if (!call.callee.endsWith('.step')) return undefined;
    const name = call.callee.slice(0, -'.step'.length);
    const built = assignedCalls(script, name, call.span.start).find((candidate) => isCallOf(candidate, 'torch', ['ReduceLROnPlateau']));
    if (built !== undefined) return built;
    const guarded = script.typeGuards.some(
      (guard) =>
        guard.name === name &&
        guard.qualified?.startsWith('torch.') === true &&
        guard.qualified.endsWith('.ReduceLROnPlateau') &&
        guard.span.start <= call.span.start &&
        call.span.end <= guard.span.end,
    );
    return guarded ? 'guarded' : undefined;
  };
  const findings: RuleFinding[] = [];
  const base = { framework: 'torch' as const, rule: 'torch-plateau-step' as const };
  for (const call of script.calls) {
    const found = plateauAt(call);
    const value = found === undefined ? undefined : argument(call, 'metrics', 0);
    const text = value?.value.kind === 'other' ? value.value.text : '';
    if (found === undefined || value === undefined) continue;
    if (LOSS_NAME.test(text)) {
      findings.push({
        ...base,
        span: value.span,
        bug: false,
        fix: [],
        message: `ReduceLROnPlateau is stepped with ${text}: it cuts the learning rate when the loss stops falling. Stepping it with a validation accuracy needs mode="max".`,
      });
      continue;
    }
    // Under an isinstance guard the scheduler was built elsewhere: its mode cannot be read.
    if (found === 'guarded') continue;
    const scheduler = found;
    const mode = argument(scheduler, 'mode', 1);
    const minimises = mode === undefined ? !scheduler.hasSplat : stringOf(mode.value) === 'min';
    if (isAccuracyLikeMetric(text) && !NEGATED.test(text) && minimises && mode?.name !== null) {
      findings.push({
        ...base,
        span: value.span,
        bug: true,
        fix: [{ kind: 'keyword', call: scheduler, name: 'mode', value: { code: '"max"' } }],
        message: `ReduceLROnPlateau is stepped with ${text} but minimises (mode="min"): it cuts the learning rate while accuracy improves. This is a bug.`,
      });
    }
  }
  return findings;
}

/** `best_val_loss` (nanoGPT), `self.best_eval_loss` (a Trainer callback), `best_dev_loss`. */
const BEST_VALIDATION_LOSS = /(?:^|\.)(best_(?:val(?:id(?:ation)?)?|eval|dev)_loss)$/;

/** nanoGPT, and hand-written loops and callbacks like it, keep the checkpoint with the lowest validation loss. */
function bestValLossFindings(script: PythonScript): RuleFinding[] {
  const ordering = new Set(['<', '>', '<=', '>=']);
  return script.comparisons.flatMap((comparison) => {
    if (!comparison.operators.some((op) => ordering.has(op))) return [];
    const name = comparison.operands.map((operand) => BEST_VALIDATION_LOSS.exec(operand)?.[1]).find((found) => found !== undefined);
    if (name === undefined) return [];
    const finding: RuleFinding = {
      framework: 'nanogpt',
      rule: 'nanogpt-best-val-loss',
      span: comparison.span,
      bug: false,
      fix: [],
      message: `The checkpoint is saved only when the validation loss reaches a new low (${name}).`,
    };
    return [finding];
  });
}

const FASTAI_CALLBACKS = ['SaveModelCallback', 'EarlyStoppingCallback', 'ReduceLROnPlateau'];

/**
 * fastai's SaveModelCallback keeps the best model by its monitor unless `every_epoch` is set (True or a number
 * of epochs): then it saves on a schedule and tracks nothing. Anything but a literal False or 0 there is not guessed at.
 */
function tracksBest(call: PyCall): boolean {
  const everyEpoch = argument(call, 'every_epoch');
  if (everyEpoch === undefined) return !call.hasSplat;
  const value = everyEpoch.value;
  return (value.kind === 'bool' && !value.value) || (value.kind === 'other' && /^0+$/.test(value.text.trim()));
}

/** fastai's tracker callbacks monitor "valid_loss" unless told otherwise, and infer the direction from the name. */
function fastaiFindings(script: PythonScript): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const call of script.calls) {
    if (!isCallOf(call, 'fastai', FASTAI_CALLBACKS)) continue;
    const name = call.qualified?.split('.').pop() ?? '';
    if (name === 'SaveModelCallback' && !tracksBest(call)) continue;
    const monitorArg = argument(call, 'monitor', 0);
    const monitor = stringOf(monitorArg?.value);
    const base = { framework: 'fastai' as const, rule: 'fastai-monitor' as const, bug: false };
    if (monitorArg === undefined && !call.hasSplat) {
      findings.push({
        ...base,
        span: call.calleeSpan,
        fix: [{ kind: 'keyword', call, name: 'monitor', value: { metric: true } }],
        message: `${name} with no monitor follows "valid_loss".`,
      });
    } else if (monitorArg !== undefined && monitor !== undefined && isLossMetric(monitor)) {
      const fix =
        monitorArg.name === null
          ? { kind: 'replace' as const, span: monitorArg.value.span, value: { metric: true as const } }
          : { kind: 'keyword' as const, call, name: 'monitor', value: { metric: true as const } };
      findings.push({ ...base, span: monitorArg.span, fix: [fix], message: `${name} monitors "${monitor}".` });
    }
  }
  return findings;
}

export function torchFindings(script: PythonScript): RuleFinding[] {
  return [...plateauStepFindings(script), ...bestValLossFindings(script), ...fastaiFindings(script)];
}
