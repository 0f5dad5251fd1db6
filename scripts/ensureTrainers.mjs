// Python virtual environments with the real Hugging Face libraries, for the tests that train a tiny model with
// the Trainer and TRL's SFTTrainer (the dump helper, the quick fixes). Created once and cached: a marker is
// written only after pip succeeded, so a broken install is redone; when pip cannot install (no network, no
// local index) the reason is kept in a marker of its own and the tests say they are skipped, with that reason.
// Delete the venv folder to try again.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO } from './vscode-host/ensureHost.mjs';

// Lightning and Keras (on the torch backend, no TensorFlow) for the quick fixes of their callbacks.
const COMMON = ['torch', 'trl', 'datasets', 'accelerate', 'safetensors', 'tokenizers', 'numpy', 'lightning', 'keras'];

/** One entry per transformers line the helper supports; the folder names are git-ignored. */
export const TRAINER_VENVS = [
  { name: '.venv-trainers', label: 'transformers 5.x', packages: ['transformers>=5,<6', ...COMMON] },
  { name: '.venv-trainers-4', label: 'transformers 4.57', packages: ['transformers>=4.57,<4.58', ...COMMON] },
];

function lastLines(text, count) {
  return text.trim().split('\n').slice(-count).join('\n');
}

/** pip's own ERROR lines say why (a version missing from the index); its retry warnings do not. */
function pipErrors(text) {
  const errors = text.split('\n').filter((line) => line.startsWith('ERROR'));
  return errors.length > 0 ? errors.join('\n') : lastLines(text, 4);
}

function ensureVenv({ name, label, packages }, log) {
  const dir = join(REPO, name);
  const installed = join(dir, '.installed');
  const failed = join(dir, '.failed');
  // The marker holds the package list: a list that grew is installed into the venv there, not from scratch.
  const wanted = packages.join(' ') + '\n';
  if (existsSync(installed) && readFileSync(installed, 'utf8') === wanted) return;
  if (existsSync(failed)) {
    log(`${label}: not installable here (cached in ${failed}; delete ${dir} to retry)`);
    return;
  }
  if (!existsSync(installed)) {
    log(`${label}: creating ${dir} (about a minute, once)`);
    rmSync(dir, { recursive: true, force: true });
    const venv = spawnSync('python3', ['-m', 'venv', dir], { encoding: 'utf8' });
    if (venv.status !== 0) {
      log(`${label}: python3 -m venv failed: ${lastLines(venv.stderr ?? '', 3)}`);
      return;
    }
  } else {
    log(`${label}: installing ${packages.join(' ')} into ${dir}`);
    rmSync(installed);
  }
  const pip = spawnSync(join(dir, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--retries', '1', ...packages], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (pip.status !== 0) {
    const reason = pipErrors(pip.stderr ?? '');
    writeFileSync(failed, `pip install ${packages.join(' ')} failed:\n${reason}\n`);
    log(`${label}: pip could not install; the tests that need it are skipped.\n${reason}`);
    return;
  }
  writeFileSync(installed, wanted);
  log(`${label}: installed`);
}

// The real log writers, for the tests that let them write (tensorboardX's add_hparams trials, W&B offline runs).
// wandb 0.30 depends on opentelemetry-semantic-conventions, which the local index lacks and which offline runs
// import but never use: wandb and its OpenTelemetry packages go in without dependencies, their plain
// dependencies by name, and the missing module as a stand-in that answers every name with itself.
const WRITERS = ['tensorboardX', 'click', 'packaging', 'platformdirs', 'protobuf', 'pydantic', 'pyyaml', 'requests', 'xxhash'];
const WRITERS_NO_DEPS = [
  'wandb',
  'opentelemetry-api',
  'opentelemetry-sdk',
  'opentelemetry-exporter-otlp-proto-http',
  'opentelemetry-exporter-otlp-proto-common',
  'opentelemetry-proto',
];

function ensureWriters({ name }, log) {
  const dir = join(REPO, name);
  if (!existsSync(join(dir, '.installed'))) return;
  const installed = join(dir, '.writers-installed');
  const failed = join(dir, '.writers-failed');
  if (existsSync(installed) || existsSync(failed)) return;
  const pip = (args) =>
    spawnSync(join(dir, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--retries', '1', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  log(`log writers (tensorboardX, wandb): installing into ${dir}`);
  for (const args of [WRITERS, ['--no-deps', ...WRITERS_NO_DEPS]]) {
    const result = pip(args);
    if (result.status !== 0) {
      const reason = pipErrors(result.stderr ?? '');
      writeFileSync(failed, `pip install ${args.join(' ')} failed:\n${reason}\n`);
      log(`log writers: pip could not install; the tests that need them are skipped.\n${reason}`);
      return;
    }
  }
  const lib = join(dir, 'lib');
  const python = readdirSync(lib).find((entry) => entry.startsWith('python3'));
  const semconv = join(lib, python ?? 'python3', 'site-packages', 'opentelemetry', 'semconv');
  if (!existsSync(semconv)) {
    mkdirSync(semconv, { recursive: true });
    copyFileSync(join(REPO, 'scripts', 'python', 'opentelemetry_semconv_standin.py'), join(semconv, '__init__.py'));
  }
  writeFileSync(installed, `${[...WRITERS, ...WRITERS_NO_DEPS].join(' ')}\n`);
  log('log writers: installed');
}

/** Never fails: a machine where pip cannot install gets skipped tests, each saying why. */
export function ensureTrainers(log = (message) => process.stderr.write(`[trainers] ${message}\n`)) {
  for (const venv of TRAINER_VENVS) ensureVenv(venv, log);
  ensureWriters(TRAINER_VENVS[0], log);
  return TRAINER_VENVS.map(({ name, label }) => ({
    label,
    python: join(REPO, name, 'bin', 'python'),
    failure: existsSync(join(REPO, name, '.failed')) ? readFileSync(join(REPO, name, '.failed'), 'utf8') : undefined,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureTrainers();
