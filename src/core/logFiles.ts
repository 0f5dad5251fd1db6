import type { FormatId } from './types';

/** Folders that never hold logs worth reading and can be huge. */
const HEAVY_DIRECTORIES = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.vscode-test', 'wandb-artifacts']);
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|h5|npz|pkl|msgpack|arrow|parquet)$/i;

function segments(path: string): string[] {
  return path.split(/[\\/]+/).filter((part) => part !== '');
}

/** Paths the watcher and the walker skip: heavy folders and model weights. */
export function isIgnoredPath(path: string): boolean {
  const parts = segments(path);
  const name = parts[parts.length - 1] ?? '';
  return parts.some((part) => HEAVY_DIRECTORIES.has(part)) || WEIGHT_FILE.test(name);
}

export interface LogFile {
  readonly format: FormatId;
  /** The directory that is the run: an HF output_dir owns the trainer states of its `checkpoint-*` folders. */
  readonly runDirectory: string;
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut <= 0 ? path.slice(0, cut + 1) || '.' : path.slice(0, cut);
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(cut + 1);
}

/** Which reader a path needs, judged by its name alone (JSONL files are sniffed later). */
export function classifyLogFile(path: string): LogFile | undefined {
  if (isIgnoredPath(path)) return undefined;
  const name = baseName(path);
  const directory = parentOf(path);
  if (name === 'trainer_state.json') {
    const runDirectory = /^checkpoint-\d+$/.test(baseName(directory)) ? parentOf(directory) : directory;
    return { format: 'hf-trainer-state', runDirectory };
  }
  if (name.endsWith('.jsonl')) return { format: 'jsonl', runDirectory: directory };
  return undefined;
}
