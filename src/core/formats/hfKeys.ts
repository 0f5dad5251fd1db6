/**
 * Hugging Face's TensorBoard and W&B callbacks rename keys before writing (`rewrite_logs`): `eval_loss` becomes
 * `eval/loss`, `loss` becomes `train/loss`. trainer_state.json and the console keep the original names. Undoing
 * the rename lets the run store see one series where two files hold the same numbers, so no point counts twice.
 */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['eval/', 'eval_'],
  ['test/', 'test_'],
  ['train/', ''],
];

export function undoHfRewrite(key: string): string {
  for (const [written, original] of PREFIXES) if (key.startsWith(written) && key.length > written.length) return original + key.slice(written.length);
  return key;
}
