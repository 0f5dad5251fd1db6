import { baseName, pathSegments } from './paths';

/** Folders that never hold logs worth reading and can be huge. */
const HEAVY_DIRECTORIES = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.vscode-test', 'wandb-artifacts']);
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|h5|npz|npy|pkl|msgpack|arrow|parquet)$/i;
/** Folders of evaluation outputs: their tensors are read (in workers), unlike model weights. */
const EVAL_OUTPUT_DIRECTORIES = new Set(['eval_outputs']);

/** W&B's `wandb/latest-run` is a symlink to the newest run folder: followed, it would be a second copy of that run. */
function isWandbLatestRun(parts: readonly string[]): boolean {
  return parts.some((part, i) => part === 'latest-run' && parts[i - 1] === 'wandb');
}

/** Paths the watcher and the walker skip: heavy folders, W&B's latest-run link, and model weights outside evaluation-output folders. */
export function isIgnoredPath(path: string): boolean {
  const parts = pathSegments(path);
  if (parts.some((part) => HEAVY_DIRECTORIES.has(part)) || isWandbLatestRun(parts)) return true;
  return WEIGHT_FILE.test(baseName(path)) && !parts.some((part) => EVAL_OUTPUT_DIRECTORIES.has(part));
}
