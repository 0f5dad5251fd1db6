import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lossTrustIn } from '../../src/node/python/codeRules';
import { planFix } from '../../src/node/python/fixEdits';
import { reportPaths } from '../../src/node/reportPaths';
import { accuracyKeyFor } from '../../src/node/python/metricNames';
import { loadPythonParser, nodeModulesGrammarFiles, type PythonParser } from '../../src/node/python/pythonParser';

/**
 * The demo teaches by example, so its examples must be right: the quick fix its `train.py` invites writes a
 * key the trainer logs, and its simulated runs look like real fine-tuning (eval loss up tens of percent, not
 * several times, while token accuracy gains a few points).
 */
const REPO = resolve(__dirname, '../../..');
const load = async <T>(name: string): Promise<T> => (await import(pathToFileURL(join(REPO, 'scripts', name)).href)) as T;

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser(nodeModulesGrammarFiles(REPO));
});
after(() => parser.dispose());

test("the demo's train.py is warned about, and its quick fix writes the accuracy SFTTrainer logs", async () => {
  const { DEMO_TRAIN_PY } = await load<typeof import('../../scripts/demoWorkspace.mjs')>('demoWorkspace.mjs');
  const [finding, ...others] = lossTrustIn(parser, DEMO_TRAIN_PY).findings;
  assert.equal(others.length, 0);
  assert.equal(finding?.rule, 'hf-loss-metric');
  const key = accuracyKeyFor(finding.framework, null, finding.loggedKeys);
  assert.equal(key, 'eval_mean_token_accuracy');
  let fixed = DEMO_TRAIN_PY;
  for (const edit of [...planFix(DEMO_TRAIN_PY, finding.fix, key)].sort((a, b) => b.start - a.start)) {
    fixed = fixed.slice(0, edit.start) + edit.newText + fixed.slice(edit.end);
  }
  assert.match(fixed, /metric_for_best_model="eval_mean_token_accuracy",\n {4}greater_is_better=True,/);
  assert.deepEqual(lossTrustIn(parser, fixed).findings, []);
});

test('every simulated run: eval loss rises 10-50% above its minimum over 60 evals while token accuracy gains 1-8 points', async () => {
  const { PROFILES, trainingCurves } = await load<typeof import('../../scripts/simulateTraining.mjs')>('simulateTraining.mjs');
  for (const [format, profile] of Object.entries(PROFILES)) {
    const curves = trainingCurves(profile);
    const points = Array.from({ length: 60 }, (_, i) => ({ loss: curves.evalLoss(i + 1), accuracy: curves.evalAccuracy(i + 1) }));
    const best = points.reduce((a, b) => (b.loss < a.loss ? b : a));
    const last = points.at(-1) ?? assert.fail();
    const rise = last.loss / best.loss - 1;
    const gain = 100 * (last.accuracy - best.accuracy);
    assert.ok(rise >= 0.1 && rise <= 0.5, `${format}: eval loss +${(100 * rise).toFixed(0)}%`);
    assert.ok(gain >= 1 && gain <= 8, `${format}: token accuracy +${gain.toFixed(1)} points`);
  }
});

test('the demo notebook: its saved Trainer table is one run whose eval loss rises while token accuracy improves, and is warned of', async () => {
  const { demoNotebook } = await load<typeof import('../../scripts/demoWorkspace.mjs')>('demoWorkspace.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'tal-demo-notebook-'));
  try {
    writeFileSync(join(dir, 'finetune.ipynb'), demoNotebook());
    const report = await reportPaths([dir]);
    assert.deepEqual(report.problems, []);
    const [run, ...others] = report.runs;
    assert.equal(others.length, 0);
    assert.equal(run?.info?.name, 'finetune.ipynb · cell 3');
    const loss = run?.metrics['eval_loss']?.values.map(Number) ?? [];
    const accuracy = run?.metrics['eval_mean_token_accuracy']?.values.map(Number) ?? [];
    const best = loss.indexOf(Math.min(...loss));
    const rise = (loss.at(-1) ?? NaN) / (loss[best] ?? NaN) - 1;
    const gain = 100 * ((accuracy.at(-1) ?? NaN) - (accuracy[best] ?? NaN));
    assert.ok(rise >= 0.1 && rise <= 0.5, `eval loss +${(100 * rise).toFixed(0)}%`);
    assert.ok(gain >= 1 && gain <= 8, `token accuracy +${gain.toFixed(1)} points`);
    assert.ok(run?.warnings.some((warning) => warning.kind === 'misleading-loss'));
  } finally {
    rmSync(dir, { recursive: true });
  }
});
