import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { buildRunView, type RunView } from '../../src/core/runView';
import { lossTrustIn, measuresAccuracy } from '../../src/node/python/codeRules';
import type { Finding } from '../../src/node/python/finding';
import { evidenceRun, misleadingLossOf, reportFinding } from '../../src/node/python/findingReport';
import { fixTitle } from '../../src/node/python/fixEdits';
import { loadPythonParser, nodeModulesGrammarFiles, type PythonParser } from '../../src/node/python/pythonParser';
import { fixtureStore } from '../fixtures/runs';

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser(nodeModulesGrammarFiles(resolve(__dirname, '../../..')));
});
after(() => parser.dispose());

function views(): { misleading: RunView; healthy: RunView } {
  const store = fixtureStore();
  const view = (id: string): RunView => buildRunView(store.snapshot(id) ?? assert.fail(`no run ${id}`), id.split('/').pop() ?? id);
  return { misleading: view('/ws/sft-run'), healthy: view('/ws/healthy') };
}

function firstFinding(text: string): Finding {
  return lossTrustIn(parser, text).findings[0] ?? assert.fail('no finding');
}

const TRL = 'from trl import SFTConfig\nargs = SFTConfig(output_dir="sft-run", load_best_model_at_end=True)\n';

test('with a run that shows misleading loss, the finding is a Warning that quotes the run and its checkpoints', () => {
  const { misleading } = views();
  const warning = misleadingLossOf(misleading) ?? assert.fail('the fixture run should show misleading loss');
  const report = reportFinding(firstFinding(TRL), misleading);
  assert.equal(report.level, 'warning');
  assert.equal(report.runId, '/ws/sft-run');
  assert.equal(report.metricKey, 'eval_mean_token_accuracy');
  assert.equal(warning.form, 'rising');
  const gain = warning.evidence['accuracyGain'] ?? assert.fail('no accuracy gain in the evidence');
  const expected = `In run "sft-run", eval loss was lowest at step ${warning.startStep}, but token accuracy is still rising at step ${warning.step}: +${(gain * 100).toFixed(1)} points.`;
  assert.ok(report.message.includes(expected), report.message);
  const { byLoss, byAccuracy } = misleading.best;
  assert.ok(byLoss !== null && byAccuracy !== null && byLoss.step !== byAccuracy.step);
  assert.ok(report.message.includes(`best checkpoint is step ${byLoss.step}; by eval_mean_token_accuracy, step ${byAccuracy.step}`), report.message);
});

test('a notebook run whose x is the epoch is quoted at its epochs: eval loss was lowest at epoch N, never step N', () => {
  const { misleading } = views();
  const byEpoch: RunView = { ...misleading, xUnit: 'epoch' };
  const warning = misleadingLossOf(byEpoch) ?? assert.fail('the fixture run should show misleading loss');
  const report = reportFinding(firstFinding(TRL), byEpoch);
  assert.ok(
    report.message.includes(`eval loss was lowest at epoch ${warning.startStep}, but token accuracy is still rising at epoch ${warning.step}:`),
    report.message,
  );
  assert.ok(
    report.message.includes(`best checkpoint is epoch ${byEpoch.best.byLoss?.step}; by eval_mean_token_accuracy, epoch ${byEpoch.best.byAccuracy?.step}`),
    report.message,
  );
});

test('a warning without the numbers of its form is quoted whole', () => {
  const { misleading } = views();
  const warning = misleadingLossOf(misleading) ?? assert.fail('the fixture run should show misleading loss');
  const bare = { ...misleading, warnings: [{ ...warning, evidence: {} }] };
  assert.ok(reportFinding(firstFinding(TRL), bare).message.includes(`In run "sft-run": ${warning.message}`));
});

test('with a healthy run or none, it is a short Information hint naming the key to follow', () => {
  const { healthy } = views();
  for (const run of [healthy, undefined]) {
    const report = reportFinding(firstFinding(TRL), run);
    assert.equal(report.level, 'information');
    assert.match(report.message, /consider following "eval_mean_token_accuracy"\.$/);
  }
});

test('a bug is a Warning whatever the run shows', () => {
  const text = 'from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor="val_acc")\n';
  const report = reportFinding(firstFinding(text), views().healthy);
  assert.equal(report.level, 'warning');
  assert.match(report.message, /This is a bug\.$/);
});

test('the key a fix writes follows the framework: a Keras script next to an HF-style run keeps Keras naming', () => {
  const keras = 'import keras\nmodel.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])\nstop = keras.callbacks.EarlyStopping()\n';
  assert.equal(reportFinding(firstFinding(keras), views().misleading, true, true).metricKey, 'val_accuracy');
  const lightning = 'from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor="val_loss")\n';
  const lightningRun = { ...views().healthy, evalAccuracy: { key: 'val/acc', steps: [], values: [], total: 0 } };
  assert.equal(reportFinding(firstFinding(lightning), lightningRun, true, true).metricKey, 'val/acc');
  assert.equal(
    reportFinding(firstFinding(lightning), lightningRun, true, false).metricKey,
    null,
    "the active run's keys say nothing about a script that does not write it",
  );
});

test('a fix never writes the accuracy computed from evaluation outputs, which the trainer does not log', () => {
  const computedRun = { ...views().misleading, evalAccuracy: { key: 'eval_token_accuracy_computed', steps: [], values: [], total: 0 } };
  assert.equal(reportFinding(firstFinding(TRL), computedRun, true, true).metricKey, 'eval_mean_token_accuracy');
  const hf = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", load_best_model_at_end=True)\n';
  const report = reportFinding(firstFinding(hf), computedRun, true, true);
  assert.equal(report.metricKey, null);
  assert.equal(report.offersFix, false);
});

test("the key comes from the dict compute_metrics returns, TRL's own key, or evaluate's metric; never a guessed eval_accuracy", () => {
  const trainer = (body: string): string =>
    `from transformers import Trainer, TrainingArguments\nimport evaluate\n${body}\nargs = TrainingArguments(output_dir="o", load_best_model_at_end=True)\nTrainer(model=m, args=args, compute_metrics=compute_metrics)\n`;
  const key = (text: string, run?: RunView): string | null => reportFinding(firstFinding(text), run, true, run !== undefined).metricKey;
  assert.equal(key(trainer('def compute_metrics(p):\n    return {"token_accuracy": acc(p)}')), 'eval_token_accuracy');
  assert.equal(key(trainer('def compute_metrics(p):\n    loss = 1\n    return dict(perplexity=2.0, f1=f(p))')), 'eval_f1');
  assert.equal(
    key(trainer('metric = evaluate.load("accuracy")\ndef compute_metrics(p):\n    return metric.compute(predictions=p[0], references=p[1])')),
    'eval_accuracy',
  );
  assert.equal(
    key(trainer('def compute_metrics(p):\n    return {"eval_exact_match": em(p)}')),
    'eval_exact_match',
    'a key already prefixed is not prefixed again',
  );
  assert.equal(key(trainer('def compute_metrics(p):\n    return build(p)')), null, 'a dict built at run time says nothing');
  const loggedRun = { ...views().healthy, evalAccuracy: { key: 'eval_accuracy', steps: [], values: [], total: 0 } };
  assert.equal(key(trainer('def compute_metrics(p):\n    return build(p)'), loggedRun), 'eval_accuracy', 'the run the script writes logs it');
  assert.equal(
    key(trainer('def compute_metrics(p):\n    return {"token_accuracy": acc(p)}'), loggedRun),
    'eval_token_accuracy',
    'the script as it is now wins over an older run',
  );
  const sft =
    'from trl import SFTTrainer\nfrom transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", load_best_model_at_end=True)\nSFTTrainer(model=m, args=args)\n';
  assert.equal(key(sft), 'eval_mean_token_accuracy', 'SFTTrainer logs it whatever arguments class it is given');
});

test('without a known key the finding says why no fix is offered and what to write', () => {
  const hf =
    'from transformers import Trainer, TrainingArguments\nargs = TrainingArguments(output_dir="o", load_best_model_at_end=True)\nTrainer(model=m, args=args, compute_metrics=make_metrics())\n';
  const report = reportFinding(firstFinding(hf), undefined, true);
  assert.equal(report.offersFix, false);
  assert.match(
    report.message,
    /No fix is offered: no accuracy key that this script logs is known .*metric_for_best_model to "eval_" \+ an accuracy key your compute_metrics returns, with greater_is_better=True\.$/,
  );
  const warned = reportFinding(firstFinding(hf), views().misleading, true, false);
  assert.equal(warned.level, 'warning');
  assert.match(warned.message, /No fix is offered/);
});

test('the run a script writes wins over the active run; among several, the most recently written', () => {
  const { misleading, healthy } = views();
  const older = { ...healthy, id: '/ws/out/a', updatedAt: 1000 };
  const newer = { ...healthy, id: '/ws/out/b', updatedAt: 2000 };
  assert.equal(evidenceRun(['/ws/out/a', '/ws/out/b'], [misleading, older, newer], misleading.id)?.id, '/ws/out/b');
  assert.equal(evidenceRun([], [misleading, older], misleading.id)?.id, misleading.id);
  assert.equal(evidenceRun([], [misleading], undefined), undefined);
});

test('the fix title says what will be written', () => {
  const finding = firstFinding('from trl import SFTConfig\nSFTConfig(lr_scheduler_type="reduce_lr_on_plateau")\n');
  assert.equal(
    fixTitle(finding.fix, 'eval_mean_token_accuracy'),
    'Set metric_for_best_model="eval_mean_token_accuracy", greater_is_better=True, lr_scheduler_kwargs["mode"]="max"',
  );
});

test('in a script that measures no accuracy and writes no run, the advice is only a faint hint', () => {
  const regression = 'from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor="val_loss")\n';
  const { script, findings } = lossTrustIn(parser, regression);
  assert.equal(measuresAccuracy(script), false);
  const [finding] = findings;
  assert.ok(finding !== undefined);
  assert.equal(reportFinding(finding, undefined, measuresAccuracy(script)).level, 'hint');
  assert.equal(reportFinding(finding, views().healthy, measuresAccuracy(script)).level, 'information', 'a run that logs accuracy is a sign enough');
});

test('an accuracy named in a string, metrics passed to a trainer, or TRL SFT count as measuring accuracy', () => {
  const scripts = [
    'self.log("val_acc", acc)\n',
    'from fastai.vision.all import *\nlearn = vision_learner(dls, resnet34, metrics=error_rate)\n',
    'from transformers import Trainer\nTrainer(model=m, args=a, compute_metrics=compute)\n',
    'from trl import SFTTrainer\nSFTTrainer(model="m", train_dataset=d)\n',
  ];
  for (const text of scripts) assert.equal(measuresAccuracy(lossTrustIn(parser, text).script), true, text);
});

test('metric words inside prose do not count as measuring accuracy: "according", "previous", "indices"', () => {
  const regression = [
    '"""Fit house prices according to the previous sale indices."""',
    'from lightning.pytorch.callbacks import EarlyStopping',
    'print("accumulating gradients over various batches")',
    'stop = EarlyStopping(monitor="val_loss")',
    '',
  ].join('\n');
  assert.equal(measuresAccuracy(lossTrustIn(parser, regression).script), false);
  for (const text of ['self.log("valAcc", acc)\n', 'self.log("val/mIoU", iou)\n', 'self.log("eval_rougeL", r)\n']) {
    assert.equal(measuresAccuracy(lossTrustIn(parser, text).script), true, text);
  }
});

test('metrics given only by names that are no accuracy (a Keras regression) do not count as measuring accuracy', () => {
  const regression = 'import keras\nmodel.compile(loss="mse", metrics=["mae", "mse"])\nstop = keras.callbacks.EarlyStopping(monitor="val_loss")\n';
  const { script, findings } = lossTrustIn(parser, regression);
  assert.equal(measuresAccuracy(script), false);
  assert.equal(reportFinding(findings[0] ?? assert.fail('no finding'), undefined, measuresAccuracy(script)).level, 'hint');
  assert.equal(measuresAccuracy(lossTrustIn(parser, 'import keras\nmodel.compile(loss="mse", metrics=["mae", "accuracy"])\n').script), true);
  assert.equal(measuresAccuracy(lossTrustIn(parser, 'model.compile(metrics=[keras.metrics.SparseCategoricalAccuracy()])\n').script), true);
});

test('no fix writes an accuracy key where neither the script nor a run logs one; a fix that only turns a mode still comes', () => {
  const noMetrics = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", load_best_model_at_end=True)\n';
  const { script, findings } = lossTrustIn(parser, noMetrics);
  const report = reportFinding(findings[0] ?? assert.fail('no finding'), undefined, measuresAccuracy(script));
  assert.equal(report.offersFix, false);
  assert.equal(
    report.message,
    'With no metric_for_best_model, load_best_model_at_end=True loads the checkpoint with the lowest eval loss at the end. Loss can rise while token accuracy still improves.',
  );
  const healthy = { ...views().healthy, evalAccuracy: { key: 'eval_accuracy', steps: [], values: [], total: 0 } };
  assert.equal(reportFinding(findings[0] ?? assert.fail('no finding'), healthy, false, true).offersFix, true, 'the run the script writes logs an accuracy');
  assert.equal(
    reportFinding(findings[0] ?? assert.fail('no finding'), healthy, false, false).offersFix,
    false,
    'the active run, which the script does not write, says nothing',
  );
  const modeOnly = 'import torch\ns = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\ns.step(val_acc)\n';
  assert.equal(reportFinding(firstFinding(modeOnly), undefined, false).offersFix, true);
});
