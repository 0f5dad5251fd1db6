import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root, from the bundled test file in out/test/unit. */
export const REPO_ROOT = join(__dirname, '../../..');

/** A python3 that has numpy (Debian's, from python3-numpy, first), or undefined: tests that need it say they are skipped. */
export const PYTHON_WITH_NUMPY: string | undefined = ['/usr/bin/python3', 'python3'].find(
  (python) => spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0,
);

export const numpySkipReason: string | false = PYTHON_WITH_NUMPY === undefined ? 'python3 with numpy not found (apt-get install python3-numpy)' : false;

/** Runs a Python script and returns what it printed, failing the test on a non-zero exit. */
export function runPython(args: readonly string[]): string {
  const result = spawnSync(PYTHON_WITH_NUMPY ?? 'python3', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`python3 ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A python3 with torch and numpy: TAL_TORCH_PYTHON when set (a venv, say), else the trainers venv the test setup makes, else one on the usual paths, else undefined. */
export const PYTHON_WITH_TORCH: string | undefined = [
  process.env['TAL_TORCH_PYTHON'],
  join(REPO_ROOT, '.venv-trainers', 'bin', 'python'),
  '/usr/bin/python3',
  'python3',
]
  .filter((python): python is string => python !== undefined && python !== '')
  .find((python) => spawnSync(python, ['-c', 'import numpy, torch'], { stdio: 'ignore' }).status === 0);

export const torchSkipReason: string | false =
  PYTHON_WITH_TORCH === undefined ? 'no python3 with torch found (pip install torch, or set TAL_TORCH_PYTHON to a python that has it)' : false;

/** Runs a Python script with the torch interpreter and returns what it printed. */
export function runTorchPython(args: readonly string[]): string {
  const result = spawnSync(PYTHON_WITH_TORCH ?? 'python3', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`python3 ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
