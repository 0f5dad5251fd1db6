// `npm run demo`: VS Code in the browser with the extension installed and training runs writing logs
// live. Sets up what it needs the first time, runs until Ctrl+C, then stops every process it started.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureHost, REPO, reportFailure } from './vscode-host/ensureHost.mjs';
import { freePort, startCodeServer } from './vscode-host/codeServer.mjs';
import { simulate } from './simulateTraining.mjs';
import { DEMO_TRAIN_PY, demoNotebook } from './demoWorkspace.mjs';

const log = (message) => process.stderr.write(`[demo] ${message}\n`);
const npm = (...args) => execFileSync('npm', args, { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });

if (!existsSync(join(REPO, 'node_modules', '.package-lock.json'))) {
  log('installing dependencies (npm ci)');
  npm('ci');
}
log('building and packaging the extension');
npm('run', 'package');
reportFailure(() => ensureHost({ log, chromium: false }));

const workspace = join(REPO, '.demo', 'workspace');
rmSync(workspace, { recursive: true, force: true });
mkdirSync(join(workspace, '.vscode'), { recursive: true });
const RUNS = [
  {
    dir: join('outputs', 'sft-lr2e-5'),
    format: 'hf',
    intervalMs: 2000,
    what: 'Hugging Face Trainer: `trainer_state.json` rewritten at every eval, with checkpoints',
  },
  { dir: join('logs', 'sft-lr1e-4'), format: 'jsonl', intervalMs: 1500, what: 'a JSONL log, one line per log call' },
  { dir: join('tb', 'sft-lr5e-5'), format: 'tensorboard', intervalMs: 1700, what: 'a TensorBoard event file' },
  { dir: join('lightning', 'lora-r8'), format: 'lightning', intervalMs: 2300, what: "Lightning's CSVLogger (`metrics.csv` + `hparams.yaml`)" },
  { dir: join('mlflow', 'qlora-r16'), format: 'mlflow', intervalMs: 2600, what: "MLflow's file store (`mlruns/`)" },
];
writeFileSync(
  join(workspace, 'README.md'),
  `# Demo workspace\n\nSimulated fine-tuning runs write logs here while you watch:\n\n${RUNS.map((run) => `- \`${run.dir}\`: ${run.what}`).join('\n')}\n\n` +
    'Every run has an eval loss that turns up while its token accuracy keeps rising. Open the panel with\n' +
    "**Token Accuracy Lens: Open Metrics Panel** (F1), or click the status bar item. `train.py` (TRL's SFTTrainer)\n" +
    'keeps the best checkpoint by loss: see what the extension says about it, and what its quick fix writes.\n' +
    "`finetune.ipynb` is the same training run in a notebook and saved with its outputs: the Trainer's progress table\n" +
    'in its last cell is read as a run of its own (`finetune.ipynb · cell 3`).\n',
);
writeFileSync(join(workspace, 'train.py'), DEMO_TRAIN_PY);
writeFileSync(join(workspace, 'finetune.ipynb'), demoNotebook());

const controller = new AbortController();
/** Each run starts over when it has finished, so the demo stays live for as long as it runs. */
async function keepTraining(dir, format, intervalMs) {
  while (!controller.signal.aborted) {
    await simulate({ dir, format, evals: 60, intervalMs, signal: controller.signal });
    await sleep(15_000, undefined, { signal: controller.signal }).catch(() => {});
  }
}
const training = RUNS.map((run) => keepTraining(join(workspace, run.dir), run.format, run.intervalMs));

const requested = Number(process.env.DEMO_PORT ?? 8080);
const port = (await isFree(requested)) ? requested : await freePort();
const server = await startCodeServer({ workspace, port, vsix: join(REPO, 'dist', 'token-accuracy-lens.vsix'), log });

async function isFree(candidate) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  log('stopping');
  controller.abort();
  await Promise.allSettled(training);
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.stdout.write(
  `\nToken Accuracy Lens demo is running.\n\n  Open ${server.url}\n\n${RUNS.length} simulated runs are writing logs in ${workspace}.\nPress Ctrl+C to stop.\n`,
);
