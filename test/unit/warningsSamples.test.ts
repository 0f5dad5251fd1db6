import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseTrainerState } from '../../src/core/formats/trainerStateFormat';
import { EMPTY_JSONL_CURSOR, readJsonlChunk } from '../../src/core/formats/jsonlFormat';
import { RunStore, type RunSnapshot } from '../../src/core/runStore';
import { analyzeRun } from '../../src/core/analysis/runAnalysis';
import { divergence } from '../../src/core/analysis/instability';
import { mannKendallP, noiseSigma, theilSen } from '../../src/core/analysis/statistics';
import { argmax, argmin } from '../../src/core/analysis/evalPoints';
import type { MetricPoint } from '../../src/core/types';
import { SAMPLES_DIR, samplesSkipReason } from './helpers';

interface Row {
  readonly file: string;
  /** `kind/form` of every warning the run should raise; every other rule must stay silent. */
  readonly raises: readonly string[];
  /** Why, from the numbers in the file. */
  readonly reason: string;
  /** For near misses: the numbers that come close to a rule, checked so that the reason stays true. */
  readonly nearMiss?: (run: RunSnapshot) => void;
  /** Warnings the run raised while it was at a step that the finished run rightly no longer raises (the reason says why). */
  readonly replay?: Readonly<Record<number, readonly string[]>>;
}

const series = (run: RunSnapshot, key: string): { steps: readonly number[]; values: readonly number[] } => {
  const found = run.metrics.get(key);
  assert.ok(found, `${key} is logged`);
  return found;
};

/** The change over the last W evals that the 90% Theil–Sen interval allows, as rule (c) computes it. */
function plateauBound(run: RunSnapshot, key: string): number {
  const { steps, values } = series(run, key);
  const width = Math.max(5, Math.ceil(values.length / 3));
  const fit = theilSen(steps.slice(-width), values.slice(-width));
  assert.ok(fit);
  return Math.max(Math.abs(fit.low), Math.abs(fit.high)) * ((steps[steps.length - 1] as number) - (steps[steps.length - width] as number));
}

const TABLE: readonly Row[] = [
  {
    file: 'trainer_state/Dheena731__tinyLlama-finetune__trainer_state.json',
    raises: [],
    reason:
      'TRL SFT: eval loss falls at all 14 evals (1.622 → 1.122) while token accuracy rises (65.7% → 75.1%), so there is no turn for (a)/(b) and the best by loss and by accuracy agree within 0.01 points (e). Both curves flatten, but over the last 5 evals the 90% Theil–Sen interval still allows 0.41 points of accuracy (ε 0.3) and 1.3% of loss (ε 1%), and both still trend (Mann–Kendall p = 0.042 for the accuracy rising, 0.0083 for the loss falling): not yet a plateau. 186 train logs, none above 1.04× its trailing median.',
    nearMiss: (run) => {
      const bound = plateauBound(run, 'eval_mean_token_accuracy');
      assert.ok(bound > 0.003 && bound < 0.005, `accuracy change bound ${bound}`);
      assert.ok(mannKendallP(series(run, 'eval_mean_token_accuracy').values.slice(-5), 'up') <= 0.05, 'the window still rises');
    },
  },
  {
    file: 'trainer_state/Institute-of-BDKE-CQJTU__BridgeGPT__lora_model_dic__trainer_state.json',
    raises: [],
    reason: 'No eval accuracy. Eval loss falls at all 8 evals (2.186 → 1.793), still 2.5% over the last 5: no plateau. 41 train logs without a spike.',
  },
  {
    file: 'trainer_state/Mugisha-isaac__Machine-Learning-Techniques-I-Summative__checkpoint-100__trainer_state.json',
    raises: [],
    reason: 'One eval only; the train loss falls 5.85 → 1.75 in 10 logs, too few for a spike window.',
  },
  {
    file: 'trainer_state/Mugisha-isaac__Machine-Learning-Techniques-I-Summative__checkpoint-171__trainer_state.json',
    raises: [],
    reason: 'The same run later: still one eval; 17 train logs that keep falling (to 1.54).',
  },
  {
    file: 'trainer_state/agosalvez__tfm-lora-specialized-adapter__results__trainer_state.json',
    raises: [],
    reason:
      'No eval at all. Near miss of divergence: after 20 epochs at a constant learning rate the train loss climbs from its minimum 0.025 (step 175) to 0.06–0.09, and its last 20 logs trend up (Mann–Kendall p < 0.01), but the smoothed loss has been above 1.5× its minimum for fewer than the 20 logs the rule asks, and it is far below the initial 2.09.',
    nearMiss: (run) => {
      const loss = series(run, 'loss');
      assert.ok(mannKendallP(loss.values.slice(-20), 'up') <= 0.01, 'the last 20 logs do trend up');
      assert.equal(divergence({ key: 'loss', series: loss }), undefined);
    },
  },
  {
    file: 'trainer_state/aryan1112003__hate_speech_detection__trainer_state.json',
    raises: [],
    reason:
      'One eval (eval loss 0.0000) and no accuracy. The train loss collapses to exactly 0 for 54 logs: a median of 0 gives no scale to spike against, so nothing is flagged.',
  },
  {
    file: 'trainer_state/eleanorgit__socialIssuesClassifier__model__trainer_state.json',
    raises: [],
    reason:
      '4 evals, loss falling (0.180 → 0.164) and accuracy rising (50.6% → 58.9%): the best by both is the last eval; too few points for a trend or a plateau.',
  },
  {
    file: 'trainer_state/haipradana__RoBERTa-Indonesian-Hate-Tweet-Classification__model__trainer_state.json',
    raises: [],
    reason: '2 evals: no rule applies below 3 (e) or 5 (a–c) points.',
  },
  {
    file: 'trainer_state/justin-donnelly__HuggingFace-Spam-Detection__checkpoint-500__trainer_state.json',
    raises: [],
    reason:
      'Near miss of (e): 5 evals, lowest loss at step 500 but the highest accuracy (97.53%) first reached at step 400; the picks differ, yet step 500 has the same accuracy, so ΔA = 0.',
    nearMiss: (run) => {
      const loss = series(run, 'eval_loss').values;
      const accuracy = series(run, 'eval_accuracy').values;
      assert.notEqual(argmin(loss), argmax(accuracy));
      assert.equal(accuracy[argmin(loss)], accuracy[argmax(accuracy)]);
    },
  },
  {
    file: 'trainer_state/subro608__Deep_learning_Bert_project2__checkpoint-2400__trainer_state.json',
    raises: [],
    reason:
      'Near miss of (e) and (c): 24 evals, eval loss lowest at the end (0.306) while accuracy peaked at step 1900 (90.94%), 0.31 points (two examples of 640) above the accuracy at the loss pick: over 0.3 points, but with more than 20 evals the best of noisy points must clear 3·√2·σ_A, 0.70 points here (σ_A from the last 8 evals, where accuracy moves by one or two examples; the whole run, with its early climb, gave 0.69 by chance). Accuracy over the last 8 evals moves by one or two examples with no Mann–Kendall trend (p = 0.86 up, 0.21 down), but the interval still allows 0.44 points (ε 0.3); the loss still falls (interval up to 1.6% of its level, ε 1%; Mann–Kendall p = 0.0028). eval_accuracy is a generic accuracy (from a classifier), so its messages say “accuracy”, never “token accuracy”. ' +
      'Live, from step 1800 to 2000, it did raise (e), and rightly: the loss was lowest at step 1600 (90.31%) while accuracy reached 90.78% at 1800 and 90.94% at 1900, three and then four examples more (0.47–0.63 points against 2·√2·σ_A ≈ 0.46, σ_A from the evals since 1300); a loss-based configuration stopped then would have loaded step 1600. Past 20 evals the best of noisy points must clear 3·√2·σ_A, and at step 2300 the loss pick moves on and the gap closes to two examples: the finished run is silent.',
    nearMiss: (run) => {
      const loss = series(run, 'eval_loss').values;
      const accuracy = series(run, 'eval_accuracy').values;
      const delta = (accuracy[argmax(accuracy)] as number) - (accuracy[argmin(loss)] as number);
      const threshold = 3 * Math.SQRT2 * noiseSigma(accuracy.slice(-8));
      assert.ok(delta > 0.003 && delta < threshold, `ΔA = ${delta}, threshold ${threshold}`);
      assert.ok(plateauBound(run, 'eval_accuracy') > 0.003);
    },
    replay: Object.fromEntries([1800, 1900, 2000].map((step) => [step, ['checkpoint-disagreement/disagreement']])),
  },
  {
    file: 'trainer_state/subro608__Deep_learning_Bert_project2__checkpoint-500__trainer_state.json',
    raises: [],
    reason: 'The same run at step 500: 5 evals, loss and accuracy both improving at every eval.',
  },
  {
    file: 'trainer_state/syGOAT__Mistral-v0.2-Translator-bf16__trainer_state.json',
    raises: [],
    reason: 'No eval. 866 train logs fall 2.50 → 0.10; the largest is 1.18× its trailing median (2.4 robust deviations), and the last 20 do not trend up.',
  },
  {
    file: 'llamafactory/agosalvez__tfm-lora-specialized-adapter__results__trainer_log.jsonl',
    raises: [],
    reason: 'The LLaMA-Factory log of the agosalvez run above: the same near miss of divergence.',
    nearMiss: (run) => assert.equal(divergence({ key: 'loss', series: series(run, 'loss') }), undefined),
  },
  {
    file: 'llamafactory/rameyjm7__SFT-Training-LLM__trainer_log.jsonl',
    raises: [],
    reason: 'Train loss only; the largest excursion is 1.08× its trailing median (5.5 robust deviations): under both spike thresholds.',
  },
  {
    file: 'llamafactory/syGOAT__Mistral-v0.2-Translator-bf16__trainer_log.jsonl',
    raises: [],
    reason: 'The LLaMA-Factory log of the syGOAT run above: same train loss, no spike.',
  },
  {
    file: 'llamafactory/xueh88401-web__qwen2.5-7b-medical-finetune__trainer_log.jsonl',
    raises: [],
    reason:
      'Eval loss only (13 evals): lowest 1.552 at step 4500, then 1.573–1.578, a rise of 1.7% (under the 2% of LossUp), and with no accuracy (a)/(b)/(e) cannot apply. That rise also keeps the last 5 evals from a plateau (Mann–Kendall p = 0.042 for a rise).',
    nearMiss: (run) => {
      const { steps, values } = series(run, 'eval_loss');
      const best = argmin(values);
      assert.equal(steps[best], 4500);
      const rise = Math.max(...values.slice(best)) / (values[best] as number) - 1;
      assert.ok(rise > 0.01 && rise < 0.02, `rise ${rise}`);
    },
  },
];

function readRun(file: string): RunSnapshot {
  const path = join(SAMPLES_DIR, file);
  let points: readonly MetricPoint[];
  if (file.endsWith('.json')) {
    const result = parseTrainerState(readFileSync(path, 'utf8'));
    assert.equal(result.kind, 'ok', `${file} parses`);
    points = result.kind === 'ok' ? result.points : [];
  } else {
    points = readJsonlChunk(EMPTY_JSONL_CURSOR, readFileSync(path)).points;
  }
  const store = new RunStore();
  store.addPoints(file, { path, format: file.endsWith('.json') ? 'hf-trainer-state' : 'jsonl' }, points);
  const run = store.snapshot(file);
  assert.ok(run);
  return run;
}

/** The warnings' kinds and forms; their messages call a generic accuracy "accuracy", never "token accuracy". */
function raised(run: RunSnapshot): string[] {
  const analysis = analyzeRun(run);
  for (const warning of analysis.warnings)
    if (analysis.accuracyMeasure?.perToken === false) assert.doesNotMatch(warning.message, /token accuracy/i, warning.message);
  return analysis.warnings.map((warning) => `${warning.kind}/${warning.form}`).sort();
}

for (const row of TABLE) {
  const folder = row.file.split('/')[0] ?? '';
  test(`real run ${basename(row.file)}: ${row.raises.length === 0 ? 'no warning' : row.raises.join(', ')}`, { skip: samplesSkipReason(folder) }, () => {
    const run = readRun(row.file);
    assert.deepEqual(raised(run), [...row.raises].sort(), row.reason);
    row.nearMiss?.(run);
  });
}

test(
  'real runs replayed eval by eval, as they were written, raise only what the finished run does, unless their row says why',
  { skip: samplesSkipReason('trainer_state') },
  () => {
    for (const row of TABLE.filter((entry) => entry.file.startsWith('trainer_state/'))) {
      const run = readRun(row.file);
      const evalSteps = run.metrics.get('eval_loss')?.steps ?? [];
      for (const step of evalSteps) {
        const metrics = new Map(
          [...run.metrics].map(([key, { steps, values }]) => [
            key,
            { steps: steps.filter((s) => s <= step), values: values.filter((_, i) => (steps[i] as number) <= step) },
          ]),
        );
        assert.deepEqual(raised({ ...run, metrics }), [...(row.replay?.[step] ?? row.raises)].sort(), `${row.file} at step ${step}`);
      }
    }
  },
);
