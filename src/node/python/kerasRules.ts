import type { RuleFinding, FixStep } from './finding';
import { isCallOf, stringOf } from './frameworks';
import { isAccuracyLikeMetric, isLossMetric } from './metricNames';
import { argument, type PyCall, type PythonScript } from './syntax';

/** Where each callback takes `monitor` when it is passed by position. */
const MONITOR_POSITION: Readonly<Record<string, number>> = { EarlyStopping: 0, ReduceLROnPlateau: 0, ModelCheckpoint: 1 };

/** Said of the monitored loss, whichever it is ("val_loss", or the train "loss"). */
const DOES: Readonly<Record<string, string>> = {
  EarlyStopping: 'stops training when it stops falling',
  ReduceLROnPlateau: 'cuts the learning rate when it stops falling',
  ModelCheckpoint: 'judges checkpoints by it',
};

/**
 * Keras's ModelCheckpoint saves every epoch unless `save_best_only=True` (fourth by position): only then does
 * its monitor choose what is kept. Anything but a literal True (a variable, `**`) is not guessed at.
 */
function savesBestOnly(call: PyCall): boolean {
  const saveBest = argument(call, 'save_best_only', 3);
  return saveBest?.value.kind === 'bool' && saveBest.value.value;
}

/** Keras 3 `EarlyStopping`, `ModelCheckpoint`, `ReduceLROnPlateau`: `monitor` defaults to "val_loss". */
export function kerasFindings(script: PythonScript): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const call of script.calls) {
    if (!isCallOf(call, 'keras', Object.keys(MONITOR_POSITION))) continue;
    const name = call.qualified?.split('.').pop() ?? '';
    if (name === 'ModelCheckpoint' && !savesBestOnly(call)) continue;
    const base = { framework: 'keras' as const };
    const monitorArg = argument(call, 'monitor', MONITOR_POSITION[name]);
    const modeMax: FixStep = { kind: 'keyword', call, name: 'mode', value: { code: '"max"' } };
    const followAccuracy: FixStep[] = [{ kind: 'keyword', call, name: 'monitor', value: { metric: true } }, modeMax];
    if (monitorArg === undefined) {
      if (!call.hasSplat)
        findings.push({
          ...base,
          rule: 'keras-monitor',
          span: call.calleeSpan,
          bug: false,
          fix: followAccuracy,
          message: `${name} with no monitor follows "val_loss": it ${DOES[name] ?? 'follows the loss'}.`,
        });
      continue;
    }
    const monitor = stringOf(monitorArg.value);
    if (monitor === undefined) continue;
    // A positional monitor is rewritten where it stands: adding `monitor=` would pass it twice.
    const fix =
      monitorArg.name === null ? [{ kind: 'replace' as const, span: monitorArg.value.span, value: { metric: true as const } }, modeMax] : followAccuracy;
    if (isLossMetric(monitor)) {
      findings.push({
        ...base,
        rule: 'keras-monitor',
        span: monitorArg.span,
        bug: false,
        fix,
        message: `${name} monitors "${monitor}": it ${DOES[name] ?? 'follows the loss'}.`,
      });
      continue;
    }
    const mode = argument(call, 'mode');
    if (isAccuracyLikeMetric(monitor) && stringOf(mode?.value) === 'min' && mode !== undefined) {
      findings.push({
        ...base,
        rule: 'keras-monitor',
        span: mode.span,
        bug: true,
        fix: [modeMax],
        message: `${name} monitors "${monitor}" with mode="min": it treats a falling accuracy as progress. This is a bug.`,
      });
    }
  }
  return findings;
}
