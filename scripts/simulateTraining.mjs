// A small simulated fine-tuning run that writes logs live, the way real trainers do: a Hugging Face
// trainer_state.json rewritten whole (not atomically) at every eval, with checkpoint-* copies; a JSONL log
// appended line by line; a TensorBoard event file; Lightning's CSVLogger; MLflow's file store. Its eval loss
// turns up after a few evals while its token accuracy keeps rising: the over-confidence the extension
// exists to show.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lightningCsvWriter, mlflowWriter, tensorboardWriter } from './logWriters.mjs';

const EVAL_EVERY = 50;
const LOG_EVERY = 10;

function noise(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

/**
 * The curves, shaped like a real supervised fine-tuning run: train loss keeps falling; eval loss bottoms out
 * after about `turn` evals and then climbs slowly and steadily, by `rise` per eval (some 20-30% above its minimum
 * after 60 evals, 8-13% after 30, as in a few epochs of SFT on a small set); token accuracy keeps rising by a
 * few points (`gain`) from `base`. One profile per format, so that runs side by side are told apart.
 */
export const PROFILES = {
  hf: { seed: 7, lossFloor: 1.35, turn: 5, rise: 0.008, base: 0.58, gain: 0.05, rate: 12 },
  jsonl: { seed: 11, lossFloor: 1.55, turn: 3, rise: 0.01, base: 0.55, gain: 0.04, rate: 9 },
  tensorboard: { seed: 13, lossFloor: 1.45, turn: 4, rise: 0.0065, base: 0.56, gain: 0.045, rate: 11 },
  lightning: { seed: 17, lossFloor: 1.25, turn: 6, rise: 0.0055, base: 0.6, gain: 0.06, rate: 14 },
  mlflow: { seed: 19, lossFloor: 1.6, turn: 2, rise: 0.0095, base: 0.53, gain: 0.035, rate: 8 },
};

/**
 * Where each format puts a train log or an evaluation, with the keys that framework writes: HF's TensorBoard
 * callback renames `eval_loss` to `eval/loss`; Lightning logs the user's `self.log` names per step and epoch.
 */
function sinkFor(format, dir) {
  switch (format) {
    case 'jsonl': {
      const path = join(dir, 'metrics.jsonl');
      writeFileSync(path, '');
      const write = (entry) => appendFileSync(path, JSON.stringify(entry) + '\n');
      return { train: write, evaluate: write };
    }
    case 'tensorboard': {
      const writer = tensorboardWriter(dir);
      return {
        train: (entry) => {
          writer.add('train/loss', entry.step, entry.loss);
          writer.add('train/learning_rate', entry.step, entry.learning_rate);
        },
        evaluate: (entry) => {
          writer.add('eval/loss', entry.step, entry.eval_loss);
          writer.add('eval/mean_token_accuracy', entry.step, entry.eval_mean_token_accuracy);
        },
      };
    }
    case 'lightning': {
      const writer = lightningCsvWriter(join(dir, 'lightning_logs', 'version_0'), { learning_rate: 0.0001, batch_size: 16, model: 'tiny-llama' });
      return {
        train: (entry) => writer.add({ epoch: Math.floor(entry.epoch), step: entry.step, train_loss_step: entry.loss }),
        evaluate: (entry) =>
          writer.add({ epoch: Math.floor(entry.epoch), step: entry.step, val_loss: entry.eval_loss, val_token_accuracy: entry.eval_mean_token_accuracy }),
      };
    }
    case 'mlflow': {
      const writer = mlflowWriter(join(dir, 'mlruns'), { runId: '6f1c2a9e0b8d4c7fa3e5d2b1c0a9f8e7', runName: 'sft-qlora-r16' });
      return {
        train: (entry) => writer.add('loss', entry.step, entry.loss),
        evaluate: (entry) => {
          writer.add('eval_loss', entry.step, entry.eval_loss);
          writer.add('eval_mean_token_accuracy', entry.step, entry.eval_mean_token_accuracy);
        },
      };
    }
    default:
      return undefined;
  }
}

export function trainingCurves({ seed, lossFloor, turn, rise, base, gain, rate }) {
  const next = noise(seed);
  return {
    trainLoss: (step) => 2.4 * Math.exp(-step / (80 * rate)) + lossFloor - 1 + 0.04 * next(),
    evalLoss: (k) => lossFloor + 0.9 * Math.exp(-k / 2) + rise * Math.max(0, k - turn) + 0.006 * next(),
    evalAccuracy: (k) => base + gain * (1 - Math.exp(-k / rate)) + 0.002 * next(),
  };
}

function pythonJson(value) {
  return JSON.stringify(value, null, 2).replace(/"__NaN__"/g, 'NaN');
}

/** Writes the run step by step; `onEval` is told each eval step. Resolves after `evals` evals or when aborted. */
export async function simulate({ dir, format, evals = 40, intervalMs = 1500, signal, onEval = () => {} }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const curves = trainingCurves(PROFILES[format] ?? PROFILES.hf);
  const history = [];
  const sink = sinkFor(format, dir);
  for (let k = 1; k <= evals && !signal?.aborted; k++) {
    const evalStep = k * EVAL_EVERY;
    for (let step = evalStep - EVAL_EVERY + LOG_EVERY; step <= evalStep; step += LOG_EVERY) {
      const entry = {
        epoch: step / 500,
        step,
        loss: Number(curves.trainLoss(step).toFixed(4)),
        learning_rate: 2e-5 * (1 - step / (evals * EVAL_EVERY)),
        mean_token_accuracy: Number((0.45 + step / 8000).toFixed(4)),
      };
      history.push(entry);
      sink?.train(entry);
    }
    const evaluation = {
      epoch: evalStep / 500,
      step: evalStep,
      eval_loss: Number(curves.evalLoss(k).toFixed(4)),
      eval_mean_token_accuracy: Number(curves.evalAccuracy(k).toFixed(4)),
      eval_runtime: 1.2,
    };
    history.push(evaluation);
    if (sink !== undefined) {
      sink.evaluate(evaluation);
    } else {
      const state = { best_metric: null, epoch: evalStep / 500, global_step: evalStep, log_history: history };
      // Like transformers: open(path, "w") then write, so a reader can catch the file short.
      const text = pythonJson(state) + '\n';
      const path = join(dir, 'trainer_state.json');
      writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
      await sleep(30);
      writeFileSync(path, text);
      if (k % 5 === 0) {
        mkdirSync(join(dir, `checkpoint-${evalStep}`), { recursive: true });
        writeFileSync(join(dir, `checkpoint-${evalStep}`, 'trainer_state.json'), text);
      }
    }
    onEval(evalStep);
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, format = 'hf', intervalMs = '1500', evals = '40'] = process.argv.slice(2);
  if (dir === undefined) {
    process.stderr.write('Usage: node scripts/simulateTraining.mjs <dir> [hf|jsonl|tensorboard|lightning|mlflow] [intervalMs] [evals]\n');
    process.exit(2);
  }
  await simulate({ dir, format, intervalMs: Number(intervalMs), evals: Number(evals), onEval: (step) => process.stdout.write(`eval at step ${step}\n`) });
}
