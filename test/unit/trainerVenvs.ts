import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './tokenPython';

/** A venv with the real Hugging Face libraries, made by scripts/ensureTrainers.mjs (npm test runs it once). */
export interface TrainerVenv {
  readonly label: string;
  readonly python: string;
  /** Why its tests are skipped, or false when the venv is installed. */
  readonly skip: string | false;
}

function venv(name: string, label: string): TrainerVenv {
  const dir = join(REPO_ROOT, name);
  const failed = join(dir, '.failed');
  const skip = existsSync(join(dir, '.installed'))
    ? false
    : existsSync(failed)
      ? `${label} is not installable here: ${readFileSync(failed, 'utf8').trim().split('\n').slice(-1)[0] ?? ''}`
      : `${label} venv not created (run node scripts/ensureTrainers.mjs; npm test does)`;
  return { label, python: join(dir, 'bin', 'python'), skip };
}

export const TRAINER_VENVS: readonly TrainerVenv[] = [venv('.venv-trainers', 'transformers 5.x'), venv('.venv-trainers-4', 'transformers 4.57')];

/** Runs a script in a trainer venv at low priority; fails the test with Python's stderr on a non-zero exit. */
export function runTrainerPython(python: string, args: readonly string[], cwd?: string): string {
  const result = spawnSync('nice', [python, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    cwd,
    env: { ...process.env, TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1', HF_DATASETS_OFFLINE: '1', OMP_NUM_THREADS: '1', PYTHONHASHSEED: '0' },
  });
  if (result.status !== 0)
    throw new Error(`${python} ${args.join(' ')} failed (exit ${result.status ?? result.signal}):\n${(result.stderr ?? '').split('\n').slice(-30).join('\n')}`);
  return result.stdout;
}
