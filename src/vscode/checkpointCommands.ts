import { join } from 'node:path';
import * as vscode from 'vscode';
import { checkpointChoice, checkpointDescription } from '../core/checkpointChoice';
import type { RunView } from '../core/runView';
import type { RunAliases } from '../core/runAliases';
import { displayLabel } from '../core/runLabel';

export const REVEAL_BEST_CHECKPOINT = 'tokenAccuracyLens.revealBestCheckpoint';
export const COPY_BEST_CHECKPOINT_PATH = 'tokenAccuracyLens.copyBestCheckpointPath';

interface RunSource {
  runs(): readonly RunView[];
  activeRunId(): string | undefined;
  /** The names the user gave runs: the quick pick names runs as every other view does. */
  aliases(): RunAliases;
}

/** The run and checkpoint a command acts on, asking with a quick pick when several runs could be meant. */
async function chosenCheckpoint(source: RunSource, targetId: string | undefined): Promise<{ run: RunView; step: number } | undefined> {
  const choice = checkpointChoice(source.runs(), targetId, source.activeRunId());
  if (choice.kind === 'run') return choice;
  if (choice.kind === 'none') {
    void vscode.window.showInformationMessage(choice.reason);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    choice.runs.map((run) => ({ label: displayLabel(run, source.aliases()), description: `checkpoint-${run.checkpointToKeep ?? ''}`, detail: run.id, run })),
    { placeHolder: 'The run whose best-by-accuracy checkpoint to use' },
  );
  return picked === undefined || picked.run.checkpointToKeep === null ? undefined : { run: picked.run, step: picked.run.checkpointToKeep };
}

/** Reveals the folder of the checkpoint to keep by accuracy, or copies its path; `target` is a run id or a tree item. */
export function checkpointCommands(source: RunSource, runIdOf: (target: unknown) => string | undefined): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(REVEAL_BEST_CHECKPOINT, async (target: unknown) => {
      const chosen = await chosenCheckpoint(source, runIdOf(target));
      if (chosen === undefined) return;
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(join(chosen.run.id, `checkpoint-${chosen.step}`)));
      void vscode.window.setStatusBarMessage(`Revealed ${checkpointDescription(chosen.run, chosen.step)}.`, 5000);
    }),
    vscode.commands.registerCommand(COPY_BEST_CHECKPOINT_PATH, async (target: unknown) => {
      const chosen = await chosenCheckpoint(source, runIdOf(target));
      if (chosen === undefined) return;
      await vscode.env.clipboard.writeText(join(chosen.run.id, `checkpoint-${chosen.step}`));
      void vscode.window.showInformationMessage(`Copied the path of ${checkpointDescription(chosen.run, chosen.step)}.`);
    }),
  ];
}
