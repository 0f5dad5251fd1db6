// A small simulated fine-tuning run that writes logs live, the way real trainers do: a Hugging Face
// trainer_state.json rewritten whole (not atomically) at every eval, with checkpoint-* copies, or a JSONL
// log appended line by line. Its eval loss turns up after a few evals while its token accuracy keeps
// rising: the over-confidence the extension exists to show.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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
 * The curves: train loss keeps falling; eval loss bottoms out after `turn` evals and climbs; accuracy keeps
 * rising towards `ceiling`. Two profiles, so that two runs side by side are told apart.
 */
export const PROFILES = {
  hf: { seed: 7, lossFloor: 1.35, turn: 5, rise: 0.004, ceiling: 0.16, rate: 9 },
  jsonl: { seed: 11, lossFloor: 1.55, turn: 3, rise: 0.009, ceiling: 0.12, rate: 6 },
};

export function trainingCurves({ seed, lossFloor, turn, rise, ceiling, rate }) {
  const next = noise(seed);
  return {
    trainLoss: (step) => 2.4 * Math.exp(-step / (80 * rate)) + lossFloor - 1 + 0.04 * next(),
    evalLoss: (k) => lossFloor + 0.9 * Math.exp(-k / 2) + rise * Math.max(0, k - turn) ** 1.6 + 0.006 * next(),
    evalAccuracy: (k) => 0.42 + ceiling * (1 - Math.exp(-k / rate)) + 0.002 * next(),
  };
}

function pythonJson(value) {
  return JSON.stringify(value, null, 2).replace(/"__NaN__"/g, 'NaN');
}

/** Writes the run step by step; `onEval` is told each eval step. Resolves after `evals` evals or when aborted. */
export async function simulate({ dir, format, evals = 40, intervalMs = 1500, signal, onEval = () => {} }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const curves = trainingCurves(PROFILES[format === 'jsonl' ? 'jsonl' : 'hf']);
  const history = [];
  const jsonl = join(dir, 'metrics.jsonl');
  if (format === 'jsonl') writeFileSync(jsonl, '');
  for (let k = 1; k <= evals && !signal?.aborted; k++) {
    const evalStep = k * EVAL_EVERY;
    for (let step = evalStep - EVAL_EVERY + LOG_EVERY; step <= evalStep; step += LOG_EVERY) {
      const entry = { epoch: step / 500, step, loss: Number(curves.trainLoss(step).toFixed(4)), learning_rate: 2e-5 * (1 - step / (evals * EVAL_EVERY)), mean_token_accuracy: Number((0.45 + step / 8000).toFixed(4)) };
      history.push(entry);
      if (format === 'jsonl') appendFileSync(jsonl, JSON.stringify(entry) + '\n');
    }
    const evaluation = { epoch: evalStep / 500, step: evalStep, eval_loss: Number(curves.evalLoss(k).toFixed(4)), eval_mean_token_accuracy: Number(curves.evalAccuracy(k).toFixed(4)), eval_runtime: 1.2 };
    history.push(evaluation);
    if (format === 'jsonl') {
      appendFileSync(jsonl, JSON.stringify(evaluation) + '\n');
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
    process.stderr.write('Usage: node scripts/simulateTraining.mjs <dir> [hf|jsonl] [intervalMs] [evals]\n');
    process.exit(2);
  }
  await simulate({ dir, format, intervalMs: Number(intervalMs), evals: Number(evals), onEval: (step) => process.stdout.write(`eval at step ${step}\n`) });
}
