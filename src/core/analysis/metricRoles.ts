/** Which logged key plays which part. Nothing is renamed: a role points at a key as the log wrote it. */
export interface MetricRoles {
  readonly evalLoss: string | null;
  readonly evalAccuracy: string | null;
  readonly trainLoss: string | null;
}

export interface RoleOverrides {
  readonly evalLoss?: readonly string[];
  readonly evalAccuracy?: readonly string[];
  readonly trainLoss?: readonly string[];
}

/** How an accuracy was computed matters: the UI says which definition a number follows. */
export type AccuracyDefinition = 'trl-token-accuracy' | 'computed-token-accuracy' | 'token-accuracy' | 'generic-accuracy';

export const ACCURACY_DEFINITION_TEXT: Readonly<Record<AccuracyDefinition, string>> = {
  'trl-token-accuracy': "TRL's token accuracy: argmax of the shifted logits against the shifted labels, positions labelled -100 ignored",
  'computed-token-accuracy':
    'token accuracy computed from evaluation outputs: argmax against the label, positions with the ignore index skipped (the calibration view says how tokens were paired)',
  'token-accuracy': 'token accuracy as the log names it (its masking is not known)',
  'generic-accuracy': 'a generic accuracy: it may not be per token (transformers run_clm does not mask -100; LLaMA-Factory averages per sample)',
};

/** Patterns in order of preference; the first key that matches the earliest pattern wins. */
const EVAL_LOSS = [
  /^eval[_/]loss$/,
  /^(val|valid|validation)[_/]loss$/,
  /^eval_(.+_)?loss$/,
  /^(eval|val|valid|validation)[_/](.+[_/])?loss$/,
  /^val_loss_epoch$/,
  /^eval_nll_computed$/,
];
const EVAL_ACCURACY = [
  /^eval[_/]mean_token_accuracy$/,
  /^(eval|val|valid|validation)[_/](mean_)?token_acc(uracy)?$/,
  /^eval_(.+_)?mean_token_accuracy$/,
  /^eval[_/]acc(uracy)?$/,
  /^(val|valid|validation)[_/]acc(uracy)?$/,
  /^eval_(.+_)?acc(uracy)?$/,
  /^(eval|val|valid|validation)[_/](.+[_/])?acc(uracy)?$/,
  /^val_acc(uracy)?_epoch$/,
  // Computed from evaluation outputs (src/core/tokens): used only when the run logs no accuracy itself.
  /^eval_token_accuracy_computed$/,
];
const TRAIN_LOSS = [/^loss$/, /^train[_/]loss$/, /^train_loss_step$/, /^train[_/](.+[_/])?loss$/];

function pick(keys: readonly string[], override: readonly string[] | undefined, patterns: readonly RegExp[]): string | null {
  for (const wanted of override ?? []) if (keys.includes(wanted)) return wanted;
  for (const pattern of patterns) {
    const found = keys.find((key) => pattern.test(key.toLowerCase()));
    if (found !== undefined) return found;
  }
  return null;
}

/** HF's end-of-run summary logs `train_loss` once, as the mean of the whole run: not a curve. */
export function assignRoles(keys: readonly string[], overrides: RoleOverrides = {}): MetricRoles {
  return {
    evalLoss: pick(keys, overrides.evalLoss, EVAL_LOSS),
    evalAccuracy: pick(keys, overrides.evalAccuracy, EVAL_ACCURACY),
    trainLoss: pick(keys, overrides.trainLoss, TRAIN_LOSS),
  };
}

const GRAD_NORM = [/^grad_norm$/, /^train[_/]grad_norm$/, /^(train[_/])?grad(ient)?[_/]?norm$/];

/** The gradient norm is watched only for non-finite values (rule d), so it is not a role the views show. */
export function gradNormKey(keys: readonly string[]): string | null {
  return pick(keys, undefined, GRAD_NORM);
}

export function accuracyDefinition(key: string): AccuracyDefinition {
  const lower = key.toLowerCase();
  if (lower.includes('mean_token_accuracy')) return 'trl-token-accuracy';
  if (lower === 'eval_token_accuracy_computed') return 'computed-token-accuracy';
  if (lower.includes('token_acc')) return 'token-accuracy';
  return 'generic-accuracy';
}
