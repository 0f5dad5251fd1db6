import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { LogIngest } from '../../src/node/logIngest';
import { walkLogs } from '../../src/node/walkLogs';
import { trainerStateText } from './helpers';
import { eventFile } from './tfeventsWriter';
import { REPO_ROOT } from './tokenPython';

/** An `add_hparams` call's folder as PyTorch writes it: `<logdir>/<time.time()>/`, the trial's metrics at step 0. */
function trial(logdir: string, name: string, accuracy: number): void {
  mkdirSync(join(logdir, name), { recursive: true });
  writeFileSync(
    join(logdir, name, 'events.out.tfevents.1674944078.host.1.1'),
    eventFile([
      { wallTime: 1, fileVersion: 'brain.Event:2' },
      { wallTime: 2, values: [{ tag: '_hparams_/experiment', floatVal: 0, plugin: 'hparams' }] },
      { wallTime: 2, values: [{ tag: '_hparams_/session_start_info', hparams: { lr: accuracy / 10, optimizer: 'adamw', warmup: true } }] },
      { wallTime: 2, values: [{ tag: 'hparam/accuracy', simple: accuracy }] },
    ]),
  );
}

test("five add_hparams trials in one TensorBoard run are five runs, each with its own value; the writer's own run stays", async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-hparams-'));
  const logdir = join(root, 'runs', 'search');
  mkdirSync(logdir, { recursive: true });
  writeFileSync(join(logdir, 'events.out.tfevents.1674944077.host.1.0'), eventFile([{ wallTime: 1, step: 3, values: [{ tag: 'train/loss', simple: 0.5 }] }]));
  const names = ['1674944078.0620234', '1674944078.0651', '1674944078.07', '1674944078.0723', '1674944078.0799'];
  names.forEach((name, i) => trial(logdir, name, 0.5 + i / 10));
  const ingest = new LogIngest();
  try {
    for (const path of await walkLogs(root)) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [logdir, ...names.map((name) => join(logdir, name))].sort());
    names.forEach((name, i) =>
      assert.deepEqual(ingest.store.snapshot(join(logdir, name))?.metrics.get('hparam/accuracy'), { steps: [0], values: [Math.fround(0.5 + i / 10)] }),
    );
    // Each trial's hyperparameters are its run's parameters: what tells five runs named by a time apart.
    names.forEach((name, i) =>
      assert.deepEqual(ingest.runInfo(join(logdir, name)), { parameters: { lr: (0.5 + i / 10) / 10, optimizer: 'adamw', warmup: true } }),
    );
    assert.deepEqual([...(ingest.store.snapshot(logdir)?.metrics.keys() ?? [])], ['train/loss']);
  } finally {
    ingest.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test("the add_hparams folder HF's TensorBoardCallback writes under <output_dir>/runs/<name>/ joins the output_dir run", async () => {
  const root = mkdtempSync(join(tmpdir(), 'tal-hparams-hf-'));
  const out = join(root, 'out');
  const tb = join(out, 'runs', 'Nov02_21-48-09_host');
  mkdirSync(join(tb, '1698933274.5762074'), { recursive: true });
  writeFileSync(join(tb, 'events.out.tfevents.1698932980.host.1.0'), eventFile([{ wallTime: 2, step: 10, values: [{ tag: 'train/loss', simple: 2 }] }]));
  writeFileSync(
    join(tb, '1698933274.5762074', 'events.out.tfevents.1698933274.host.1.1'),
    eventFile([{ wallTime: 1, values: [{ tag: '_hparams_/experiment', floatVal: 0, plugin: 'hparams' }] }]),
  );
  writeFileSync(join(out, 'trainer_state.json'), trainerStateText([{ loss: 2, step: 10 }]));
  const ingest = new LogIngest();
  try {
    for (const path of await walkLogs(root)) await ingest.ingest(path);
    assert.deepEqual(ingest.store.runIds(), [out]);
  } finally {
    ingest.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

/** A Python with tensorboardX (its SummaryWriter.add_hparams lays out trials as PyTorch's does): `$TAL_TRAINERS_PYTHON`, the trainers venv, or python3. */
const TBX_PYTHON = [process.env['TAL_TRAINERS_PYTHON'], join(REPO_ROOT, '.venv-trainers', 'bin', 'python'), 'python3'].find(
  (python) => python !== undefined && python !== '' && spawnSync(python, ['-c', 'import tensorboardX'], { stdio: 'ignore', timeout: 60_000 }).status === 0,
);

test(
  'add_hparams trials written by the real tensorboardX SummaryWriter: one run each, none lost',
  { skip: TBX_PYTHON === undefined ? 'no Python with tensorboardX (pip install tensorboardX; set TAL_TRAINERS_PYTHON)' : false },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'tal-hparams-real-'));
    const script = `import sys, time
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1])
for i in range(3):
    w.add_scalar("train/loss", 1.0 / (i + 1), i)
for lr in [0.1, 0.01, 0.001, 0.0001, 0.00001]:
    w.add_hparams({"lr": lr, "bs": 32}, {"hparam/accuracy": 1 - lr})
    time.sleep(0.01)
w.close()
`;
    const logdir = join(root, 'runs', 'search');
    const result = spawnSync(TBX_PYTHON ?? 'python3', ['-c', script, logdir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const ingest = new LogIngest();
    try {
      for (const path of await walkLogs(root)) await ingest.ingest(path);
      const trials = ingest.store.runIds().filter((id) => id !== logdir);
      assert.equal(trials.length, 5);
      const accuracies = trials.map((id) => ingest.store.snapshot(id)?.metrics.get('hparam/accuracy')?.values[0] ?? NaN).sort();
      assert.deepEqual(
        accuracies,
        [0.9, 0.99, 0.999, 0.9999, 0.99999].map((value) => Math.fround(value)),
      );
      for (const id of trials) {
        const parameters = ingest.runInfo(id)?.parameters;
        assert.equal(parameters?.['bs'], 32);
        assert.equal(Math.fround(1 - Number(parameters?.['lr'])), ingest.store.snapshot(id)?.metrics.get('hparam/accuracy')?.values[0], "the trial's own lr");
      }
      assert.deepEqual(ingest.store.snapshot(logdir)?.metrics.get('train/loss')?.steps, [0, 1, 2]);
    } finally {
      ingest.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
