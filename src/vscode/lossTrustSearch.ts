import * as vscode from 'vscode';

/** Called by the panel's warnings with the warning's run id. */
export const SHOW_LOSS_TRUSTING_CODE = 'tokenAccuracyLens.showLossTrustingCode';

/**
 * Settings and calls that keep or stop on the loss: Hugging Face's best-model selection, Keras and Lightning
 * checkpoint and early-stopping monitors. A search, not a parse: it also finds YAML and TOML configs.
 */
export const LOSS_TRUST_PATTERN = String.raw`metric_for_best_model|load_best_model_at_end|greater_is_better|save_best_only|EarlyStopping|ModelCheckpoint|monitor\s*=\s*["'](val|eval)`;

/** Opens the search view on the workspace's code and configs that choose checkpoints or stop by a metric. */
async function searchLossTrustingCode(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.findInFiles', {
    query: LOSS_TRUST_PATTERN,
    isRegex: true,
    filesToInclude: '*.py, *.yaml, *.yml, *.toml, *.cfg',
    triggerSearch: true,
  });
}

async function openAt(location: vscode.Location): Promise<void> {
  await vscode.window.showTextDocument(location.uri, { selection: location.range, preview: true });
}

/**
 * Takes the user to the code that picks checkpoints by loss: the finding itself when one is known, a choice
 * when several are, and a workspace search when the diagnostics know of none (a script not open, a config file).
 */
export async function showLossTrustingCode(found: readonly vscode.Location[]): Promise<void> {
  const [first] = found;
  if (first === undefined) return searchLossTrustingCode();
  if (found.length === 1) return openAt(first);
  const picked = await vscode.window.showQuickPick(
    found.map((location) => ({ label: `${vscode.workspace.asRelativePath(location.uri)}:${location.range.start.line + 1}`, location })),
    { title: 'Code that picks checkpoints or stops training by the loss' },
  );
  if (picked !== undefined) await openAt(picked.location);
}
