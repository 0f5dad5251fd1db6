import type { Finding, Framework } from './finding';
import { isCallOf } from './frameworks';
import { addsToUnknownArguments } from './fixEdits';
import { isAccuracyLikeMetric } from './metricNames';
import { kerasFindings } from './kerasRules';
import { lightningFindings } from './lightningRules';
import { loggedAccuracyKeys } from './loggedKeys';
import type { PythonParser } from './pythonParser';
import { readScript, type PyArgument, type PythonScript } from './syntax';
import { torchFindings } from './torchRules';
import { transformersFindings } from './transformersRules';

/** A list, tuple or single string literal of metric names: `["mae", "mse"]`. Its names are among the script's strings. */
const NAMES_ONLY = /^[[(]?\s*(?:(?:["'][\w/@.-]*["'])\s*,?\s*)*[\])]?$/;

/**
 * Whether the script measures an accuracy: names one in a string (`monitor="val_acc"`, `self.log("val_f1", …)`),
 * passes metrics to a trainer (`metrics=error_rate`, `compute_metrics=`), or uses TRL's SFT, which logs token
 * accuracy itself. Metrics given only by name count by those names: Keras regression compiles `metrics=["mae"]`.
 */
export function measuresAccuracy(script: PythonScript): boolean {
  const passesMetrics = (arg: PyArgument): boolean =>
    arg.name === 'compute_metrics' ||
    (arg.name === 'metrics' && !(arg.value.kind === 'string' || (arg.value.kind === 'other' && NAMES_ONLY.test(arg.value.text))));
  return (
    script.strings.some(isAccuracyLikeMetric) ||
    script.calls.some((call) => call.args.some(passesMetrics) || isCallOf(call, 'transformers', ['SFTConfig', 'SFTTrainer']))
  );
}

/** Every configuration in the script that trusts the loss, in document order. */
export function findLossTrust(script: PythonScript): Finding[] {
  const keys = new Map<Framework, string[]>();
  const loggedKeys = (framework: Framework): string[] => keys.get(framework) ?? keys.set(framework, loggedAccuracyKeys(script, framework)).get(framework) ?? [];
  return [...transformersFindings(script), ...kerasFindings(script), ...lightningFindings(script), ...torchFindings(script)]
    .map((finding) => ({ ...finding, fix: addsToUnknownArguments(finding.fix) ? [] : finding.fix, loggedKeys: loggedKeys(finding.framework) }))
    .sort((a, b) => a.span.start - b.span.start);
}

/** Parses and reads the script (or a notebook's program, `notebookProgram.ts`) and finds what trusts the loss. */
export function lossTrustIn(parser: PythonParser, text: string): { script: PythonScript; findings: Finding[] } {
  const tree = parser.parse(text);
  try {
    const script = readScript(tree.rootNode);
    return { script, findings: findLossTrust(script) };
  } finally {
    // WebAssembly memory is not garbage-collected: a tree not deleted is a leak.
    tree.delete();
  }
}
