import { baseName, parentOf } from '../paths';
import type { HostReadFormat, RunInfo } from './logFormat';

const RUN_FOLDER = /^(offline-)?run-/;

/**
 * `wandb/run-…/files/config.yaml`: the run's config, each key as `{desc, value}`. It names the run when the
 * `.wandb` history does not (W&B writes the display name there only when the script gave one): Hugging Face
 * logs its TrainingArguments, whose `run_name` is what it names the W&B run. YAML needs a parser package,
 * so the host reads it (src/node/wholeFileSources.ts).
 */
export const WANDB_CONFIG_FORMAT: HostReadFormat = {
  id: 'wandb-config',
  label: 'W&B config.yaml',
  kind: 'host',
  classify(path) {
    if (baseName(path) !== 'config.yaml') return undefined;
    const files = parentOf(path);
    return baseName(files) === 'files' && RUN_FOLDER.test(baseName(parentOf(files))) ? { format: 'wandb-config', runDirectory: parentOf(files) } : undefined;
  },
};

/** The run's name (`run_name`) and parameters (top-level values; W&B's own `_wandb` and nested sections left out, as from the history). */
export function wandbConfigRunInfo(config: unknown): RunInfo {
  const parameters: Record<string, string | number | boolean> = {};
  if (typeof config !== 'object' || config === null) return { parameters };
  for (const [key, entry] of Object.entries(config)) {
    if (key.startsWith('_') || typeof entry !== 'object' || entry === null || !('value' in entry)) continue;
    const value: unknown = entry.value;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parameters[key] = value;
  }
  const name = parameters['run_name'];
  return typeof name === 'string' && name !== '' ? { name, parameters } : { parameters };
}
