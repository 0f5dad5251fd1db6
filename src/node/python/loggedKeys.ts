import type { Framework } from './finding';
import { isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric } from './metricNames';
import { argument, assignedCall, dictCall, type PyCall, type PythonScript, type PyValue } from './syntax';

/** The literal keys of a returned dictionary: `{"accuracy": …}` or `dict(accuracy=…)`; none for anything else. */
function dictKeys(value: PyValue): string[] {
  if (value.kind === 'dict') return value.entries.flatMap((entry) => stringOf(entry.key) ?? []);
  const asCall = dictCall(value);
  return asCall === undefined ? [] : asCall.args.flatMap((arg) => arg.name ?? []);
}

/**
 * The keys `compute_metrics` returns: literal dictionaries, or `metric.compute(…)` of a metric loaded with
 * `evaluate.load("accuracy")` (whose result is keyed by the metric's name for accuracy, f1, precision, recall).
 */
function computeMetricsKeys(script: PythonScript, name: string): string[] {
  return (script.returns.get(name) ?? []).flatMap((value) => {
    if (value.kind !== 'call' || !value.call.callee.endsWith('.compute')) return dictKeys(value);
    const loaded = assignedCall(script, value.call.callee.slice(0, -'.compute'.length), value.span.start);
    const metric = loaded !== undefined && loaded.qualified === 'evaluate.load' ? stringOf(argument(loaded, 'path', 0)?.value) : undefined;
    return metric !== undefined && ['accuracy', 'f1', 'precision', 'recall'].includes(metric) ? [metric] : [];
  });
}

/** Transformers prefixes each `compute_metrics` key with `eval_` unless it has it already. */
function transformersKeys(script: PythonScript): string[] {
  const keys: string[] = [];
  if (script.calls.some((call) => isCallOf(call, 'transformers', ['SFTConfig', 'SFTTrainer']))) keys.push('eval_mean_token_accuracy');
  for (const call of script.calls) {
    const given = argument(call, 'compute_metrics');
    const name = given?.value.kind === 'other' ? given.value.text.trim() : '';
    if (!/^\w+$/.test(name)) continue;
    keys.push(...computeMetricsKeys(script, name).map((key) => (key.startsWith('eval_') ? key : `eval_${key}`)));
  }
  return keys;
}

/** The names in a Keras `metrics=[…]` list: strings as given, metric classes by their default (snake_case) name or `name=`. */
function kerasKeys(script: PythonScript): string[] {
  const keys: string[] = [];
  for (const call of script.calls.filter((c) => c.callee.endsWith('.compile'))) {
    const metrics = argument(call, 'metrics');
    if (metrics === undefined) continue;
    const text = metrics.value.kind === 'string' ? JSON.stringify(metrics.value.value) : metrics.value.kind === 'other' ? metrics.value.text : '';
    for (const match of text.matchAll(/["'](\w+)["']|(?:^|[\s,[(.])([A-Z]\w*)\(\s*(?:name\s*=\s*["'](\w+)["'])?/g)) {
      const name = match[1] ?? match[3] ?? (match[2] === undefined ? undefined : match[2].replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase());
      if (name !== undefined) keys.push(`val_${name}`);
    }
  }
  return keys;
}

/** Lightning logs what `self.log("name", …)` names; validation keys first. */
function lightningKeys(script: PythonScript): string[] {
  const keys = script.calls.filter((call) => /(?:^|\.)log$/.test(call.callee)).flatMap((call) => stringOf(argument(call, 'name', 0)?.value) ?? []);
  const validation = (key: string): boolean => /^(?:val|valid|validation)[_/]/i.test(key);
  return [...keys.filter(validation), ...keys.filter((key) => !validation(key) && !/^train/i.test(key))];
}

/** fastai's recorder names a metric by its function: `metrics=[accuracy, error_rate]` logs `accuracy`. */
function fastaiKeys(script: PythonScript): string[] {
  return script.calls.flatMap((call: PyCall) => {
    const metrics = argument(call, 'metrics');
    const text = metrics?.value.kind === 'other' ? metrics.value.text : '';
    return [...text.matchAll(/(?:^|[\s,[(])([a-z]\w*)(?=\s*(?:[,\])]|$))/g)].map((match) => match[1] as string);
  });
}

/**
 * The accuracy keys a script is read to log, as its framework spells them, most wanted first: what a fix
 * may write when no run the script writes says. Empty when the script does not say (a metric built at run
 * time): a fix then writes nothing rather than a key the trainer would not find.
 */
export function loggedAccuracyKeys(script: PythonScript, framework: Framework): string[] {
  const keys = ((): string[] => {
    switch (framework) {
      case 'transformers':
        return transformersKeys(script);
      case 'keras':
        return kerasKeys(script);
      case 'lightning':
        return lightningKeys(script);
      case 'fastai':
        return fastaiKeys(script);
      case 'torch':
      case 'nanogpt':
        return [];
    }
  })();
  return [...new Set(keys.filter((key) => isAccuracyLikeMetric(key)))];
}
