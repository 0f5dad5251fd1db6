import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvalOutputOptions } from '../core/tokens/evalPlan';
import type { EvalOutputsConfig } from '../node/tokens/evaluationContext';

/** Where the settings go: the controller hands them to its run session, which owns the evaluation readers. */
export interface EvaluationSettingsTarget {
  configureEvaluations(update: Partial<EvalOutputsConfig>): void;
  pruneEvaluationCache(): Promise<string[]>;
}

const SECTION = 'tokenAccuracyLens.evalOutputs';
/** Files scored faster than this never show a progress notification. */
const PROGRESS_AFTER_MS = 1500;
/** Pruning reads the first line of every cached entry: left until start-up is over, then repeated for long sessions. */
const PRUNE_AFTER_MS = 60_000;
const PRUNE_EVERY_MS = 6 * 60 * 60 * 1000;

/** `tokenAccuracyLens.evalOutputs.*`: how evaluation outputs are paired when their metadata does not say. */
export function readEvalOutputOptions(): EvalOutputOptions {
  const config = vscode.workspace.getConfiguration(SECTION);
  const shift = config.get<string>('causalShift', 'fromMetadata');
  // Only a value the user set counts: the declared default must not hide the file's own metadata.
  const inspected = config.inspect<unknown>('ignoreIndex');
  const ignoreIndex = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  return {
    ...(shift === 'shift' ? { causalShift: true } : shift === 'aligned' ? { causalShift: false } : {}),
    ...(typeof ignoreIndex === 'number' && Number.isInteger(ignoreIndex) ? { ignoreIndex } : {}),
  };
}

/**
 * Evaluation outputs are cached in the extension's global storage (a restart does not score them again;
 * entries nothing can reach again are pruned), follow the settings, and show their progress in the status area while a large file is read.
 */
export function wireEvalOutputs(context: vscode.ExtensionContext, target: EvaluationSettingsTarget): vscode.Disposable {
  const running = new Map<string, { report: (fraction: number) => void; done: () => void }>();
  const started = new Map<string, number>();
  const onProgress = (path: string, fraction: number): void => {
    const known = running.get(path);
    if (known !== undefined) {
      known.report(fraction);
      if (fraction >= 1) known.done();
      return;
    }
    const start = started.get(path) ?? Date.now();
    started.set(path, start);
    if (fraction >= 1 || Date.now() - start < PROGRESS_AFTER_MS) {
      if (fraction >= 1) started.delete(path);
      return;
    }
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Token Accuracy Lens' }, (progress) => {
      let last = 0;
      return new Promise<void>((resolve) => {
        const report = (next: number): void => {
          progress.report({ message: `scoring ${vscode.workspace.asRelativePath(path)}: ${Math.round(next * 100)}%`, increment: (next - last) * 100 });
          last = next;
        };
        running.set(path, {
          report,
          done: () => {
            running.delete(path);
            started.delete(path);
            resolve();
          },
        });
        report(fraction);
      });
    });
  };
  const apply = (): void =>
    target.configureEvaluations({ options: readEvalOutputOptions(), cacheDirectory: join(context.globalStorageUri.fsPath, 'eval-cache'), onProgress });
  apply();
  const prune = (): void => void target.pruneEvaluationCache().catch(() => undefined);
  const first = setTimeout(prune, PRUNE_AFTER_MS);
  const every = setInterval(prune, PRUNE_EVERY_MS);
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) apply();
    }),
    {
      dispose: () => {
        clearTimeout(first);
        clearInterval(every);
      },
    },
  );
}
