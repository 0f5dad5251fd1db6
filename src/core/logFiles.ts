import { baseName, pathSegments } from './paths';
import { EVAL_OUTPUTS_FOLDER } from './tokens/evalOutputsFormat';

/** Folders that never hold logs worth reading and can be huge. */
const HEAVY_DIRECTORIES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.vscode-test',
  'wandb-artifacts',
]);
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|h5|npz|npy|pkl|msgpack|arrow|parquet)$/i;

/** W&B's `wandb/latest-run` is a symlink to the newest run folder: followed, it would be a second copy of that run. */
function isWandbLatestRun(parts: readonly string[]): boolean {
  return parts.some((part, i) => part === 'latest-run' && parts[i - 1] === 'wandb');
}

/**
 * Paths the watcher and the walker skip: heavy folders, W&B's latest-run link, and model weights outside
 * `tensorFolders` (evaluation outputs, whose tensors are read in workers; the user may name other folders).
 */
export function isIgnoredPath(path: string, tensorFolders: readonly string[] = [EVAL_OUTPUTS_FOLDER]): boolean {
  const parts = pathSegments(path);
  if (parts.some((part) => HEAVY_DIRECTORIES.has(part)) || isWandbLatestRun(parts)) return true;
  return WEIGHT_FILE.test(baseName(path)) && !parts.some((part) => tensorFolders.includes(part));
}
