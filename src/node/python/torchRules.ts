import type { Finding } from './finding';
import { isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric, isLossMetric } from './metricNames';
import { argument, assignedCall, type PyCall, type PythonScript } from './syntax';

const LOSS_NAME = /loss/i;
/** `-val_acc`, `1 - val_acc`, `100.0 - acc`: an accuracy turned into something to minimise, as mode "min" wants. */
const NEGATED = /^[(\s]*(?:-|\d[\d.]*\s*-)/;

/**
 * A PyTorch `ReduceLROnPlateau` whose `.step(...)` is given a loss (advice), or an accuracy while the
 * scheduler minimises (a bug, fixed by turning its mode).
 */
function plateauStepFindings(script: PythonScript): Finding[] {
  const plateauAt = (call: PyCall): PyCall | undefined => {
    if (!call.callee.endsWith('.step')) return undefined;
    const built = assignedCall(script, call.callee.slice(0, -'.step'.length), call.span.start);
    return built !== undefined && isCallOf(built, 'torch', ['ReduceLROnPlateau']) ? built : undefined;
  };
  const findings: Finding[] = [];
  const base = { framework: 'torch' as const, defaultMetric: 'val_acc', rule: 'torch-plateau-step' as const };
  for (const call of script.calls) {
    const scheduler = plateauAt(call);
    const value = scheduler === undefined ? undefined : argument(call, 'metrics', 0);
    const text = value?.value.kind === 'other' ? value.value.text : '';
    if (scheduler === undefined || value === undefined) continue;
    if (LOSS_NAME.test(text)) {
      findings.push({ ...base, span: value.span, bug: false, fix: [], message: `ReduceLROnPlateau is stepped with ${text}: it cuts the learning rate when the loss stops falling. Stepping it with a validation accuracy needs mode="max".` });
      continue;
    }
    const mode = argument(scheduler, 'mode', 1);
    const minimises = mode === undefined ? !scheduler.hasSplat : stringOf(mode.value) === 'min';
    if (isAccuracyLikeMetric(text) && !NEGATED.test(text) && minimises && mode?.name !== null) {
      findings.push({ ...base, span: value.span, bug: true, fix: [{ kind: 'keyword', call: scheduler, name: 'mode', value: { code: '"max"' } }], message: `ReduceLROnPlateau is stepped with ${text} but minimises (mode="min"): it cuts the learning rate while accuracy improves. This is a bug.` });
    }
  }
  return findings;
}

/** `best_val_loss` (nanoGPT), `self.best_eval_loss` (a Trainer callback), `best_dev_loss`. */
const BEST_VALIDATION_LOSS = /(?:^|\.)(best_(?:val(?:id(?:ation)?)?|eval|dev)_loss)$/;

/** nanoGPT, and hand-written loops and callbacks like it, keep the checkpoint with the lowest validation loss. */
function bestValLossFindings(script: PythonScript): Finding[] {
  const ordering = new Set(['<', '>', '<=', '>=']);
  return script.comparisons.flatMap((comparison) => {
    if (!comparison.operators.some((op) => ordering.has(op))) return [];
    const name = comparison.operands.map((operand) => BEST_VALIDATION_LOSS.exec(operand)?.[1]).find((found) => found !== undefined);
    if (name === undefined) return [];
    const finding: Finding = {
      framework: 'nanogpt',
      defaultMetric: 'val_acc',
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

/** fastai's tracker callbacks monitor "valid_loss" unless told otherwise, and infer the direction from the name. */
function fastaiFindings(script: PythonScript): Finding[] {
  const findings: Finding[] = [];
  for (const call of script.calls) {
    if (!isCallOf(call, 'fastai', FASTAI_CALLBACKS)) continue;
    const name = call.qualified?.split('.').pop() ?? '';
    const monitorArg = argument(call, 'monitor', 0);
    const monitor = stringOf(monitorArg?.value);
    const base = { framework: 'fastai' as const, defaultMetric: 'accuracy', rule: 'fastai-monitor' as const, bug: false };
    if (monitorArg === undefined && !call.hasSplat) {
      findings.push({ ...base, span: call.calleeSpan, fix: [{ kind: 'keyword', call, name: 'monitor', value: { metric: true } }], message: `${name} with no monitor follows "valid_loss".` });
    } else if (monitorArg !== undefined && monitor !== undefined && isLossMetric(monitor)) {
      const fix = monitorArg.name === null ? { kind: 'replace' as const, span: monitorArg.value.span, value: { metric: true as const } } : { kind: 'keyword' as const, call, name: 'monitor', value: { metric: true as const } };
      findings.push({ ...base, span: monitorArg.span, fix: [fix], message: `${name} monitors "${monitor}".` });
    }
  }
  return findings;
}

export function torchFindings(script: PythonScript): Finding[] {
  return [...plateauStepFindings(script), ...bestValLossFindings(script), ...fastaiFindings(script)];
}
