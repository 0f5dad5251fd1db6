import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lossTrustIn, measuresAccuracy } from '../../src/node/python/codeRules';
import { reportFinding } from '../../src/node/python/findingReport';
import { planFix, type TextEdit } from '../../src/node/python/fixEdits';
import { loadPythonParser, nodeModulesGrammarFiles, type PythonParser } from '../../src/node/python/pythonParser';
import { REPO_ROOT } from './tokenPython';
import { runTrainerPython, TRAINER_VENVS } from './trainerVenvs';

const SCRIPTS = join(REPO_ROOT, 'test/fixtures/python/trainers');
const dir = mkdtempSync(join(tmpdir(), 'tal-fix-trainers-'));
let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser(nodeModulesGrammarFiles(REPO_ROOT));
});
after(() => {
  parser.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

interface Fixed {
  readonly name: string;
  readonly key: string | null;
  readonly text: string;
}

/** Every distinct script the offered fixes make, one fix at a time, as the user would apply it. */
function fixedScripts(name: string): Fixed[] {
  const text = readFileSync(join(SCRIPTS, name), 'utf8');
  const { script, findings } = lossTrustIn(parser, text);
  const fixed = new Map<string, Fixed>();
  for (const finding of findings) {
    const report = reportFinding(finding, undefined, measuresAccuracy(script));
    if (!report.offersFix) continue;
    const result = applyEdits(text, planFix(text, finding.fix, report.metricKey));
    fixed.set(result, { name: `${name} (${finding.rule})`, key: report.metricKey, text: result });
  }
  return [...fixed.values()];
}

interface RunResult {
  readonly error: string | null;
  readonly bestMetric: number | null;
  readonly evalKeys: readonly string[];
  /** Lightning, Keras, PyTorch: the keys logged, and each callback's `monitor:mode`. */
  readonly logged: { readonly keys: readonly string[]; readonly monitored: readonly string[] } | null;
}

/** The key each script's fixes must write (null: a fix that only turns a mode). */
const EXPECTED: Readonly<Record<string, string | null>> = {
  'fix_trainer_token_accuracy.py': 'eval_token_accuracy',
  'fix_sft_plateau.py': 'eval_mean_token_accuracy',
  'fix_trainer_early_stopping.py': 'eval_accuracy',
  'fix_lightning_callbacks.py': 'val_acc',
  'fix_keras_callbacks.py': 'val_accuracy',
  'fix_torch_plateau.py': null,
};
const TRANSFORMERS = new Set(['fix_trainer_token_accuracy.py', 'fix_sft_plateau.py', 'fix_trainer_early_stopping.py']);

const venv = TRAINER_VENVS[0];
test(
  'every quick fix, applied to a real Transformers, TRL, Lightning, Keras or PyTorch script, leaves one that trains and follows a key it logs, upwards',
  { skip: venv?.skip ?? 'no trainer venv' },
  () => {
    const python = venv?.python ?? assert.fail('no trainer venv');
    const runs: { fixed: Fixed; path: string; out: string }[] = [];
    for (const [name, key] of Object.entries(EXPECTED)) {
      const fixed = fixedScripts(name);
      assert.ok(fixed.length > 0, `${name}: a fix is offered`);
      for (const [i, one] of fixed.entries()) {
        if (key !== null) assert.equal(one.key, key, `${one.name} writes the key the script logs`);
        if (TRANSFORMERS.has(name)) {
          assert.match(one.text, new RegExp(`metric_for_best_model="${key ?? ''}"`), one.text);
          assert.match(one.text, /greater_is_better=True/);
        }
        runs.push({ fixed: one, path: join(dir, `${name.replace('.py', '')}-${i}.py`), out: join(dir, `out-${name.replace('.py', '')}-${i}`) });
      }
    }
    assert.match(
      runs.find((run) => run.fixed.name.startsWith('fix_sft_plateau'))?.fixed.text ?? '',
      /lr_scheduler_kwargs=\{"mode": "max"\}/,
      'the plateau scheduler turns to maximise too',
    );
    // What the fix wrote before, a default the script does not log, shows that the check can fail.
    const original = readFileSync(join(SCRIPTS, 'fix_trainer_token_accuracy.py'), 'utf8');
    const [first] = lossTrustIn(parser, original).findings;
    const guessed = { path: join(dir, 'guessed.py'), out: join(dir, 'out-guessed') };
    writeFileSync(guessed.path, applyEdits(original, planFix(original, first?.fix ?? [], 'eval_accuracy')));
    for (const run of runs) writeFileSync(run.path, run.fixed.text);
    const resultsPath = join(dir, 'results.json');
    runTrainerPython(python, [join(SCRIPTS, 'run_scripts.py'), resultsPath, ...[...runs, guessed].flatMap((run) => [run.path, run.out])]);
    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Readonly<Record<string, RunResult>>;
    for (const run of runs) {
      const result = results[run.path] ?? assert.fail(`no result for ${run.fixed.name}`);
      assert.equal(result.error, null, `${run.fixed.name} fails:\n${run.fixed.text}`);
      if (result.logged === null) {
        assert.ok(result.evalKeys.includes(run.fixed.key ?? ''), `${run.fixed.name}: ${run.fixed.key ?? ''} among ${result.evalKeys.join(', ')}`);
        assert.equal(typeof result.bestMetric, 'number', `${run.fixed.name}: a best checkpoint was chosen`);
      } else if (run.fixed.key !== null) {
        assert.ok(result.logged.keys.includes(run.fixed.key), `${run.fixed.name}: ${run.fixed.key} among ${result.logged.keys.join(', ')}`);
        assert.ok(result.logged.monitored.includes(`${run.fixed.key}:max`), `${run.fixed.name}: ${result.logged.monitored.join(', ')}`);
      } else {
        assert.ok(
          result.logged.monitored.some((monitored) => monitored.endsWith(':max')),
          `${run.fixed.name}: ${result.logged.monitored.join(', ')}`,
        );
      }
    }
    assert.match(results[guessed.path]?.error ?? '', /KeyError: .*'eval_accuracy', which is not found in the evaluation metrics/);
  },
);
