import type { RuleFinding, FixStep } from './finding';
import { isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric, isErrorMetric, isLossMetric } from './metricNames';
import { argument, dictCall, type PyArgument, type PyCall, type PythonScript } from './syntax';

const ARGUMENT_CLASSES = ['TrainingArguments', 'Seq2SeqTrainingArguments', 'SFTConfig'];

function isPlateau(arg: PyArgument | undefined): boolean {
  if (arg === undefined) return false;
  const value = arg.value;
  if (value.kind === 'string') return value.value === 'reduce_lr_on_plateau';
  return value.kind === 'other' && /REDUCE_ON_PLATEAU/.test(value.text);
}

/** The settings that make Transformers pick a metric; each says what the loss then decides. */
function triggers(call: PyCall): { arg: PyArgument; does: string }[] {
  const found: { arg: PyArgument; does: string }[] = [];
  const loadBest = argument(call, 'load_best_model_at_end');
  if (loadBest?.value.kind === 'bool' && loadBest.value.value)
    found.push({ arg: loadBest, does: 'load_best_model_at_end=True loads the checkpoint with the lowest eval loss at the end' });
  const saveStrategy = argument(call, 'save_strategy');
  if (stringOf(saveStrategy?.value) === 'best' && saveStrategy !== undefined)
    found.push({ arg: saveStrategy, does: 'save_strategy="best" saves a checkpoint only when the eval loss reaches a new low' });
  const scheduler = argument(call, 'lr_scheduler_type');
  if (isPlateau(scheduler) && scheduler !== undefined)
    found.push({ arg: scheduler, does: 'the plateau scheduler cuts the learning rate whenever the eval loss stops falling' });
  return found;
}

/** Follow accuracy, upwards; with the plateau scheduler its `mode` must turn too, or the fix makes a new bug. */
function followAccuracy(call: PyCall): FixStep[] {
  const steps: FixStep[] = [
    { kind: 'keyword', call, name: 'metric_for_best_model', value: { metric: true } },
    { kind: 'keyword', call, name: 'greater_is_better', value: { code: 'True' } },
  ];
  if (!isPlateau(argument(call, 'lr_scheduler_type'))) return steps;
  const modeIsMax = plateauModeIsMax(call);
  // A mode that cannot be read may be "min": following accuracy could then make the bug this rule names.
  if (modeIsMax === undefined) return [];
  return modeIsMax ? steps : [...steps, plateauModeStep(call)];
}

function plateauModeStep(call: PyCall): FixStep {
  return { kind: 'keyword-entry', call, name: 'lr_scheduler_kwargs', key: 'mode', value: { code: '"max"' } };
}

/** Whether `lr_scheduler_kwargs` (`{…}` or `dict(…)`) sets mode "max"; undefined when that cannot be read (a variable, `**`). */
function plateauModeIsMax(call: PyCall): boolean | undefined {
  const kwargs = argument(call, 'lr_scheduler_kwargs');
  if (kwargs === undefined) return call.hasSplat ? undefined : false;
  const asCall = dictCall(kwargs.value);
  if (asCall !== undefined) {
    const mode = argument(asCall, 'mode');
    if (mode === undefined) return asCall.hasSplat || asCall.args.some((arg) => arg.name === null) ? undefined : false;
    const value = stringOf(mode.value);
    return value === undefined ? undefined : value === 'max';
  }
  if (kwargs.value.kind !== 'dict') return undefined;
  const mode = kwargs.value.entries.find((entry) => stringOf(entry.key) === 'mode');
  if (mode === undefined) return kwargs.value.hasSplat ? undefined : false;
  const value = stringOf(mode.value);
  return value === undefined ? undefined : value === 'max';
}

/**
 * With load_best_model_at_end, the Trainer records the best checkpoint by its metric, and its checkpoint
 * rotation (`_sorted_checkpoints` / `_rotate_checkpoints`) sorts the `checkpoint-N` folders by step, moves
 * that best one out of the oldest places, and deletes the oldest beyond save_total_limit during training: what
 * is left is the best by the metric and the newest ones. Said only when the script sets a limit that is not None.
 */
function rotationNote(call: PyCall): string {
  const loadBest = argument(call, 'load_best_model_at_end');
  const limit = argument(call, 'save_total_limit');
  if (loadBest?.value.kind !== 'bool' || !loadBest.value.value || limit === undefined) return '';
  const text = limit.value.kind === 'other' ? limit.value.text : undefined;
  if (text === undefined || text === 'None') return '';
  return ` With save_total_limit=${text}, the Trainer keeps only that checkpoint and the newest ones and deletes the others during training, so the best checkpoint by accuracy may be gone by the end.`;
}

/** The loss-trusting findings of one arguments call; also tells whether it follows the loss, for callbacks. */
function argumentFindings(call: PyCall): { findings: RuleFinding[]; followsLoss: boolean } {
  const base = { framework: 'transformers' as const };
  const metricArg = argument(call, 'metric_for_best_model');
  const metric = stringOf(metricArg?.value);
  const findings: RuleFinding[] = [];
  const fired = triggers(call);
  if (metricArg === undefined && !call.hasSplat) {
    for (const { arg, does } of fired) {
      findings.push({
        ...base,
        rule: 'hf-loss-metric',
        span: arg.span,
        bug: false,
        fix: followAccuracy(call),
        message: `With no metric_for_best_model, ${does}.${arg.name === 'load_best_model_at_end' ? rotationNote(call) : ''}`,
      });
    }
    return { findings, followsLoss: fired.length > 0 };
  }
  if (metric === undefined || metricArg === undefined) return { findings, followsLoss: false };
  if (isLossMetric(metric)) {
    findings.push({
      ...base,
      rule: 'hf-loss-metric',
      span: metricArg.span,
      bug: false,
      fix: followAccuracy(call),
      message: `metric_for_best_model="${metric}" picks checkpoints and stops early by eval loss.${rotationNote(call)}`,
    });
    return { findings, followsLoss: true };
  }
  const greater = argument(call, 'greater_is_better');
  if (isAccuracyLikeMetric(metric) && greater?.value.kind === 'bool' && !greater.value.value) {
    findings.push({
      ...base,
      rule: 'hf-metric-direction',
      span: greater.span,
      bug: true,
      fix: [{ kind: 'keyword', call, name: 'greater_is_better', value: { code: 'True' } }],
      message: `greater_is_better=False makes "${metric}" count as better when it falls: this keeps the worst checkpoint. This is a bug.`,
    });
  }
  // Transformers' default direction comes from the name alone: anything not ending in "loss" is maximised.
  const maximised = greater === undefined ? !call.hasSplat : greater.value.kind === 'bool' && greater.value.value;
  if (isErrorMetric(metric) && maximised) {
    const said = greater === undefined ? 'greater_is_better defaults to True for a name that does not end in "loss"' : 'greater_is_better=True';
    findings.push({
      ...base,
      rule: 'hf-metric-direction',
      span: greater?.span ?? metricArg.span,
      bug: true,
      fix: [{ kind: 'keyword', call, name: 'greater_is_better', value: { code: 'False' } }],
      message: `"${metric}" is better when it falls, but ${said}: this keeps the worst checkpoint. This is a bug.`,
    });
  }
  // Transformers hands the plateau scheduler the metric's raw value: minimising is a bug only for a metric that should rise.
  const rises = isAccuracyLikeMetric(metric) || (greater?.value.kind === 'bool' && greater.value.value);
  const scheduler = argument(call, 'lr_scheduler_type');
  if (rises && isPlateau(scheduler) && scheduler !== undefined && plateauModeIsMax(call) === false) {
    findings.push({
      ...base,
      rule: 'hf-plateau-mode',
      span: scheduler.span,
      bug: true,
      fix: [plateauModeStep(call)],
      message: `The plateau scheduler minimises its metric by default, but "${metric}" should rise: without lr_scheduler_kwargs={"mode": "max"} it cuts the learning rate while accuracy improves. This is a bug.`,
    });
  }
  return { findings, followsLoss: false };
}

export function transformersFindings(script: PythonScript): RuleFinding[] {
  const argumentCalls = script.calls.filter((call) => isCallOf(call, 'transformers', ARGUMENT_CLASSES));
  const findings: RuleFinding[] = [];
  let lossFollower: PyCall | undefined;
  for (const call of argumentCalls) {
    const result = argumentFindings(call);
    findings.push(...result.findings);
    if (result.followsLoss) lossFollower ??= call;
  }
  if (lossFollower !== undefined) {
    const follower = lossFollower;
    const metric = stringOf(argument(follower, 'metric_for_best_model')?.value) ?? 'loss';
    for (const call of script.calls.filter((c) => isCallOf(c, 'transformers', ['EarlyStoppingCallback']))) {
      findings.push({
        framework: 'transformers',
        rule: 'hf-early-stopping',
        span: call.calleeSpan,
        bug: false,
        fix: followAccuracy(follower),
        message: `EarlyStoppingCallback stops training when "${metric}" stops improving: it follows metric_for_best_model, which is the eval loss here.`,
      });
    }
  }
  return findings;
}
