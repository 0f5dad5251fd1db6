import type { RuleFinding, FixStep } from './finding';
import { frameworkOf, isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric, isLossMetric } from './metricNames';
import { argument, assignedCall, type PyCall, type PythonScript, type PyValue } from './syntax';

/** Where each callback takes `monitor` when it is passed by position. */
const MONITOR_POSITION: Readonly<Record<string, number>> = { EarlyStopping: 0, ModelCheckpoint: 2 };

const DOES: Readonly<Record<string, string>> = {
  EarlyStopping: 'stops training when it stops falling',
  ModelCheckpoint: 'keeps the checkpoints where it is lowest',
};

function modeMax(call: PyCall): FixStep {
  return { kind: 'keyword', call, name: 'mode', value: { code: '"max"' } };
}

function callbackFindings(call: PyCall): RuleFinding[] {
  const name = call.qualified?.split('.').pop() ?? '';
  const base = { framework: 'lightning' as const };
  const monitorArg = argument(call, 'monitor', MONITOR_POSITION[name]);
  const monitor = stringOf(monitorArg?.value);
  if (monitor === undefined || monitorArg === undefined) return [];
  const mode = argument(call, 'mode');
  const modeValue = stringOf(mode?.value);
  if (isLossMetric(monitor)) {
    const setMonitor: FixStep =
      monitorArg.name === null
        ? { kind: 'replace', span: monitorArg.value.span, value: { metric: true } }
        : { kind: 'keyword', call, name: 'monitor', value: { metric: true } };
    return [
      {
        ...base,
        rule: 'lightning-monitor',
        span: monitorArg.span,
        bug: false,
        fix: [setMonitor, modeMax(call)],
        message: `${name} monitors "${monitor}": it ${DOES[name] ?? 'follows the loss'}.`,
      },
    ];
  }
  const minimised = modeValue === 'min' || (mode === undefined && !call.hasSplat);
  if (isAccuracyLikeMetric(monitor) && minimised) {
    return [
      {
        ...base,
        rule: 'lightning-mode',
        span: mode?.span ?? monitorArg.span,
        bug: true,
        fix: [modeMax(call)],
        message: `${name} monitors "${monitor}" with ${mode === undefined ? 'the default ' : ''}mode="min": it treats a falling accuracy as progress. This is a bug.`,
      },
    ];
  }
  return [];
}

/** The call that builds a scheduler dict's scheduler, written inline or assigned to a name. */
function schedulerCall(script: PythonScript, value: PyValue | undefined): PyCall | undefined {
  if (value?.kind === 'call') return value.call;
  return value?.kind === 'other' ? assignedCall(script, value.text.trim(), value.span.start) : undefined;
}

/** `{"scheduler": ..., "monitor": "val_loss"}` returned from `configure_optimizers`. */
function schedulerDictFindings(script: PythonScript): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const dict of script.dicts) {
    const scheduler = dict.entries.find((entry) => stringOf(entry.key) === 'scheduler');
    const monitorEntry = dict.entries.find((entry) => stringOf(entry.key) === 'monitor');
    const monitor = stringOf(monitorEntry?.value);
    if (scheduler === undefined || monitorEntry === undefined || monitor === undefined) continue;
    const built = schedulerCall(script, scheduler.value);
    const plateau = built !== undefined && isCallOf(built, 'torch', ['ReduceLROnPlateau']) ? built : undefined;
    // Only ReduceLROnPlateau reads "monitor": beside an imported scheduler of another kind it does nothing.
    if (built !== undefined && built.qualified !== null && plateau === undefined) continue;
    const plateauMode = plateau === undefined ? undefined : argument(plateau, 'mode', 1);
    const base = { framework: 'lightning' as const };
    if (isLossMetric(monitor)) {
      // Following accuracy needs the scheduler's mode turned too; without a keyword to turn, no fix is safe.
      const fix: FixStep[] =
        plateau !== undefined && plateauMode?.name !== null ? [{ kind: 'entry', dict, key: 'monitor', value: { metric: true } }, modeMax(plateau)] : [];
      findings.push({
        ...base,
        rule: 'lightning-monitor',
        span: monitorEntry.span,
        bug: false,
        fix,
        message: `This scheduler monitors "${monitor}": it cuts the learning rate when the eval loss stops falling.`,
      });
      continue;
    }
    const minimised = plateau !== undefined && (plateauMode === undefined ? !plateau.hasSplat : stringOf(plateauMode.value) === 'min');
    if (isAccuracyLikeMetric(monitor) && minimised && plateau !== undefined && plateauMode?.name !== null) {
      findings.push({
        ...base,
        rule: 'lightning-mode',
        span: monitorEntry.span,
        bug: true,
        fix: [modeMax(plateau)],
        message: `This scheduler monitors "${monitor}", but its ReduceLROnPlateau minimises (mode="min"): it cuts the learning rate while accuracy improves. This is a bug.`,
      });
    }
  }
  return findings;
}

/** Lightning `EarlyStopping`, `ModelCheckpoint` and scheduler dicts, in a script that imports Lightning. */
export function lightningFindings(script: PythonScript): RuleFinding[] {
  const usesLightning =
    script.calls.some((call) => frameworkOf(call) === 'lightning') ||
    [...script.imports.aliases.values()].some((name) => /^(lightning|pytorch_lightning)\b/.test(name));
  if (!usesLightning) return [];
  const callbacks = script.calls.filter((call) => isCallOf(call, 'lightning', Object.keys(MONITOR_POSITION)));
  return [...callbacks.flatMap(callbackFindings), ...schedulerDictFindings(script)];
}
