import * as vscode from 'vscode';

/**
 * Settings and calls that keep or stop on the loss: Hugging Face's best-model selection, Keras and Lightning
 * checkpoint and early-stopping monitors. A search, not a parse: it also finds YAML and TOML configs.
 */
export const LOSS_TRUST_PATTERN = String.raw`metric_for_best_model|load_best_model_at_end|greater_is_better|save_best_only|EarlyStopping|ModelCheckpoint|monitor\s*=\s*["'](val|eval)`;

/** Opens the search view on the workspace's code and configs that choose checkpoints or stop by a metric. */
export async function searchLossTrustingCode(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.findInFiles', {
    query: LOSS_TRUST_PATTERN,
    isRegex: true,
    filesToInclude: '*.py, *.yaml, *.yml, *.toml, *.cfg',
    triggerSearch: true,
  });
}
