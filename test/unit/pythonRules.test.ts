import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lossTrustIn } from '../../src/node/python/codeRules';
import { RULE_IDS, type Finding } from '../../src/node/python/finding';
import { planFix, type TextEdit } from '../../src/node/python/fixEdits';
import { cellSpan, notebookProgram } from '../../src/node/python/notebookProgram';
import { loadPythonParser, nodeModulesGrammarFiles, type PythonParser } from '../../src/node/python/pythonParser';

const REPO = resolve(__dirname, '../../..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'python');

let parser: PythonParser;
before(async () => {
  parser = await loadPythonParser(nodeModulesGrammarFiles(REPO));
});
after(() => parser.dispose());

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

function parsesCleanly(text: string): boolean {
  const tree = parser.parse(text);
  try {
    return !tree.rootNode.hasError;
  } finally {
    tree.delete();
  }
}

const ruleCount = (findings: readonly Finding[], rule: string): number => findings.filter((f) => f.rule === rule).length;

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** Each fixture marks the lines where a finding must start with `# expect: <rule>`; every other line must stay clean. */
function expectations(text: string): string[] {
  return text.split('\n').flatMap((line, index) => [...line.matchAll(/# expect: ([a-z-]+)/g)].map((match) => `${index + 1}:${match[1] as string}`));
}

const found = (text: string, findings: readonly Finding[]): string[] => findings.map((finding) => `${lineOf(text, finding.span.start)}:${finding.rule}`);

const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.py'));

describe('code rules on fixture scripts', () => {
  test('there are fixtures for every framework', () => {
    assert.ok(fixtureNames.length >= 12, `only ${fixtureNames.length} fixtures`);
  });
  for (const name of fixtureNames) {
    test(name, () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      assert.deepEqual(found(text, lossTrustIn(parser, text).findings), expectations(text));
    });
  }
});

describe('quick fixes', () => {
  /** Applying every offered fix leaves valid Python with fewer findings of its rule and no new ones of any. */
  for (const name of fixtureNames) {
    test(`fixes in ${name} remove their findings`, () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      assert.equal(parsesCleanly(text), true, 'the fixture itself is valid Python');
      const before = lossTrustIn(parser, text).findings;
      for (const finding of before.filter((f) => f.fix.length > 0)) {
        const fixed = applyEdits(text, planFix(text, finding.fix, 'eval_mean_token_accuracy'));
        assert.equal(parsesCleanly(fixed), true, `${finding.rule} at line ${lineOf(text, finding.span.start)} leaves invalid Python:\n${fixed}`);
        const after = lossTrustIn(parser, fixed).findings;
        assert.ok(after.length < before.length, `${finding.rule} at line ${lineOf(text, finding.span.start)} still there after:\n${fixed}`);
        for (const rule of new Set(after.map((f) => f.rule))) {
          assert.ok(
            ruleCount(after, rule) <= ruleCount(before, rule),
            `fixing ${finding.rule} at line ${lineOf(text, finding.span.start)} adds ${rule}:\n${fixed}`,
          );
        }
        assert.ok(
          !after.some(
            (f) => f.rule === finding.rule && lineOf(fixed, f.span.start) === lineOf(text, finding.span.start) && f.span.start === finding.span.start,
          ),
        );
      }
    });
  }

  test('a multi-line call gains one argument per line at the same indent, after its trailing comma', () => {
    const text = readFileSync(join(FIXTURES, 'hf_load_best_aliased.py'), 'utf8');
    const [finding] = lossTrustIn(parser, text).findings;
    assert.ok(finding !== undefined);
    const fixed = applyEdits(text, planFix(text, finding.fix, 'eval_mean_token_accuracy'));
    assert.match(fixed, /    save_total_limit=2,\n    metric_for_best_model="eval_mean_token_accuracy",\n    greater_is_better=True,\n\)/);
  });

  test('a loss metric is replaced in place, in the quote style of the call, and the direction turned', () => {
    const text =
      "from transformers import TrainingArguments\nargs = TrainingArguments(output_dir='o', metric_for_best_model='eval_loss', greater_is_better=False)\n";
    const [finding] = lossTrustIn(parser, text).findings;
    assert.equal(finding?.rule, 'hf-loss-metric');
    const fixed = applyEdits(text, planFix(text, finding?.fix ?? [], 'eval_accuracy'));
    assert.equal(fixed.split('\n')[1], "args = TrainingArguments(output_dir='o', metric_for_best_model='eval_accuracy', greater_is_better=True)");
  });

  test('the plateau scheduler gets mode "max" along with the accuracy metric', () => {
    const text = readFileSync(join(FIXTURES, 'trl_sft_save_best.py'), 'utf8');
    const [finding] = lossTrustIn(parser, text).findings;
    const fixed = applyEdits(text, planFix(text, finding?.fix ?? [], 'eval_mean_token_accuracy'));
    assert.match(fixed, /lr_scheduler_kwargs=\{'mode': 'max'\},/);
    assert.deepEqual(lossTrustIn(parser, fixed).findings, []);
  });

  test('an existing lr_scheduler_kwargs dict has its mode rewritten, other keys kept', () => {
    const text = readFileSync(join(FIXTURES, 'hf_plateau_kwargs_min.py'), 'utf8');
    const [finding] = lossTrustIn(parser, text).findings;
    const fixed = applyEdits(text, planFix(text, finding?.fix ?? [], 'unused'));
    assert.match(fixed, /lr_scheduler_kwargs=\{"mode": "max", "patience": 2\}/);
  });

  test('a dict(...) lr_scheduler_kwargs gets mode "max" as a keyword; one in a variable gets no fix, which could leave it minimising', () => {
    const text = readFileSync(join(FIXTURES, 'hf_plateau_dict_call.py'), 'utf8');
    const findings = lossTrustIn(parser, text).findings;
    const [byLoss, , byAccuracyMin] = findings;
    assert.match(
      applyEdits(text, planFix(text, byLoss?.fix ?? [], 'eval_accuracy')),
      /lr_scheduler_kwargs=dict\(factor=0\.5, patience=1, mode="max"\),\n {4}metric_for_best_model="eval_accuracy",\n {4}greater_is_better=True,\n\)/,
    );
    assert.match(applyEdits(text, planFix(text, byAccuracyMin?.fix ?? [], 'unused')), /lr_scheduler_kwargs=dict\(factor=0\.5, mode="max"\),/);
    const unknown = findings.filter((f) => lineOf(text, f.span.start) >= 17);
    assert.equal(unknown.length, 2);
    assert.deepEqual(
      unknown.map((f) => f.fix),
      [[], []],
    );
  });

  test('no fix adds a keyword to a call that also takes **kwargs', () => {
    const text = readFileSync(join(FIXTURES, 'splat_calls_no_fix.py'), 'utf8');
    const findings = lossTrustIn(parser, text).findings;
    assert.equal(findings.length, 3);
    assert.deepEqual(
      findings.map((f) => f.fix),
      [[], [], []],
    );
  });

  test('Keras and Lightning fixes monitor the accuracy key upwards', () => {
    const text = readFileSync(join(FIXTURES, 'keras_callbacks.py'), 'utf8');
    const [noMonitor] = lossTrustIn(parser, text).findings;
    const fixed = applyEdits(text, planFix(text, noMonitor?.fix ?? [], 'val_accuracy'));
    assert.match(fixed, /keras\.callbacks\.EarlyStopping\(patience=3, monitor="val_accuracy", mode="max"\)/);

    const lightning = readFileSync(join(FIXTURES, 'lightning_callbacks.py'), 'utf8');
    const schedulerDict = lossTrustIn(parser, lightning).findings.find((f) => f.rule === 'lightning-monitor');
    const fixedLightning = applyEdits(lightning, planFix(lightning, schedulerDict?.fix ?? [], 'val_acc'));
    assert.match(fixedLightning, /"monitor": "val_acc",/);
    assert.match(fixedLightning, /ReduceLROnPlateau\(optimizer, factor=0\.5, mode="max"\)/);
  });
});

describe('parsing while the user types', () => {
  test('an unfinished call is read without throwing, and finished calls around it still count', () => {
    const text =
      'from transformers import TrainingArguments\nargs = TrainingArguments(load_best_model_at_end=True)\nother = TrainingArguments(output_dir="x", load_best\n';
    const rules = lossTrustIn(parser, text).findings.map((f) => `${lineOf(text, f.span.start)}:${f.rule}`);
    assert.ok(rules.includes('2:hf-loss-metric'), rules.join(','));
  });

  test('non-ASCII text before a call keeps spans in UTF-16 offsets', () => {
    const text = 'from transformers import TrainingArguments\n# données 🚀\nargs = TrainingArguments(load_best_model_at_end=True)\n';
    const [finding] = lossTrustIn(parser, text).findings;
    assert.equal(text.slice(finding?.span.start, finding?.span.end), 'load_best_model_at_end=True');
  });
});

describe('text that is not Python', () => {
  test('binary data saved as .py stops parsing within its time budget, and the next script parses from its own start', () => {
    let state = 1;
    const garbage = Array.from({ length: 1_000_000 }, () => {
      state = (state * 1664525 + 1013904223) % 2 ** 32;
      return String.fromCharCode(state >>> 24);
    }).join('');
    const started = performance.now();
    assert.throws(() => parser.parse(garbage), /Parsing stopped after 1000 ms/);
    assert.ok(performance.now() - started < 2500, `took ${(performance.now() - started).toFixed(0)} ms`);
    const text = 'from transformers import TrainingArguments\nargs = TrainingArguments(load_best_model_at_end=True)\n';
    assert.deepEqual(
      lossTrustIn(parser, text).findings.map((f) => text.slice(f.span.start, f.span.end)),
      ['load_best_model_at_end=True'],
    );
  });
});

describe('notebook cells read as one program', () => {
  const findingsIn = (cells: readonly string[]): string[] => {
    const program = notebookProgram(cells);
    return lossTrustIn(parser, program.text).findings.map((f) => {
      const placed = cellSpan(program.parts, f.span) ?? assert.fail('a finding across cells');
      return `cell ${placed.cell}: ${(cells[placed.cell] as string).slice(placed.span.start, placed.span.end)}: ${f.rule}`;
    });
  };

  test('imports of an earlier cell resolve the calls of a later one', () => {
    const cells = [
      'from transformers import TrainingArguments\n',
      '%pip install -q transformers\n!nvidia-smi\nMODEL = "gpt2"\n',
      'args = TrainingArguments(output_dir="out", metric_for_best_model="eval_loss", load_best_model_at_end=True)',
    ];
    assert.deepEqual(findingsIn(cells), ['cell 2: metric_for_best_model="eval_loss": hf-loss-metric']);
    assert.deepEqual(findingsIn([cells[2] as string]), []);
  });

  test('a variable bound in one cell is followed into the call of another', () => {
    const cells = [
      'import transformers as tf\nargs = tf.TrainingArguments(output_dir="out", greater_is_better=False, metric_for_best_model="accuracy")\n',
      'def compute_metrics(p):\n    return {"accuracy": 0.5}\n',
      'trainer = tf.Trainer(model=m, args=args, compute_metrics=compute_metrics)\ntrainer.train()\n',
    ];
    const program = notebookProgram(cells);
    const { findings } = lossTrustIn(parser, program.text);
    assert.deepEqual(findingsIn(cells), ['cell 0: greater_is_better=False: hf-metric-direction']);
    // The fix lands in the cell that holds the arguments, and only there.
    const edits = planFix(program.text, findings[0]?.fix ?? [], 'eval_accuracy');
    assert.ok(edits.length > 0);
    for (const edit of edits) assert.equal(cellSpan(program.parts, edit)?.cell, 0);
  });

  test('a later import in another cell rebinds a name, as when the cells run in order', () => {
    const cells = [
      'from keras.callbacks import EarlyStopping\n',
      'from lightning.pytorch.callbacks import EarlyStopping\nstop = EarlyStopping(monitor="val_acc")\n',
    ];
    assert.deepEqual(
      findingsIn(cells).map((line) => line.split(': ').at(-1)),
      ['lightning-mode'],
    );
  });

  test('a cell left unfinished does not hide the next; a %%bash cell is not Python, so its import binds nothing', () => {
    const train = 'args = TrainingArguments(output_dir="o", metric_for_best_model="eval_loss")\n';
    const expected = ['cell 1: metric_for_best_model="eval_loss": hf-loss-metric'];
    assert.deepEqual(findingsIn(['from transformers import TrainingArguments\nx = (1,\n', train]), expected);
    assert.deepEqual(findingsIn(['from transformers import TrainingArguments\nfor i in range(3):\n    y = i\n', train]), expected);
    assert.deepEqual(findingsIn(['%%bash\nfrom transformers import TrainingArguments\n', train]), []);
  });
});

describe('where added arguments go', () => {
  const fixed = (text: string): string => {
    const [finding] = lossTrustIn(parser, text).findings;
    return applyEdits(text, planFix(text, finding?.fix ?? [], 'val_acc'));
  };

  test('after a last argument with no trailing comma, and after the comment on its line', () => {
    const text = 'import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3  # three epochs\n)\n';
    assert.equal(
      fixed(text),
      'import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3,  # three epochs\n    monitor="val_acc",\n    mode="max"\n)\n',
    );
  });

  test('in a script with \\r\\n line ends, added lines end with \\r\\n too', () => {
    const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
    const comment = 'import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3  # three epochs\n)\n';
    assert.equal(
      fixed(crlf(comment)),
      crlf('import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3,  # three epochs\n    monitor="val_acc",\n    mode="max"\n)\n'),
    );
    const trailingComma = 'import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3,\n)\n';
    assert.equal(
      fixed(crlf(trailingComma)),
      crlf('import keras\nstop = keras.callbacks.EarlyStopping(\n    patience=3,\n    monitor="val_acc",\n    mode="max",\n)\n'),
    );
  });

  test('into empty parentheses', () => {
    assert.equal(fixed('import keras\nkeras.callbacks.EarlyStopping()\n'), 'import keras\nkeras.callbacks.EarlyStopping(monitor="val_acc", mode="max")\n');
  });

  test('on the first line when the list starts there', () => {
    const text = 'import keras\nkeras.callbacks.EarlyStopping(patience=3,\n    verbose=1)\n';
    assert.equal(fixed(text), 'import keras\nkeras.callbacks.EarlyStopping(patience=3,\n    verbose=1,\n    monitor="val_acc",\n    mode="max")\n');
  });
});

test('the settings offer every rule, each with a description of its own', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { properties?: Record<string, { markdownDescription?: string }> }> } };
  };
  const rules = manifest.contributes.configuration.properties['tokenAccuracyLens.codeWarnings.rules']?.properties ?? {};
  assert.deepEqual(Object.keys(rules), [...RULE_IDS]);
  const descriptions = Object.values(rules).map((rule) => rule.markdownDescription ?? '');
  assert.equal(new Set(descriptions).size, RULE_IDS.length);
  assert.match(rules['keras-monitor']?.markdownDescription ?? '', /save_best_only=True/, 'ModelCheckpoint is only judged when it keeps the best');
  assert.match(rules['hf-metric-direction']?.markdownDescription ?? '', /error metric/, 'an error metric maximised is the same bug');
});

describe('save_total_limit with load_best_model_at_end on the loss', () => {
  const messages = (text: string): string[] => lossTrustIn(parser, text).findings.map((f) => f.message);

  test('the warning says the limit keeps the best by loss and the newest checkpoints, and may delete the best by accuracy', () => {
    const note =
      /With save_total_limit=2, the Trainer keeps only that checkpoint and the newest ones and deletes the others during training, so the best checkpoint by accuracy may be gone by the end\./;
    const [implicit] = messages('from transformers import TrainingArguments\nargs = TrainingArguments(load_best_model_at_end=True, save_total_limit=2)\n');
    assert.match(implicit ?? '', note);
    const [explicit] = messages(
      'from transformers import TrainingArguments\nargs = TrainingArguments(load_best_model_at_end=True, metric_for_best_model="eval_loss", save_total_limit=2)\n',
    );
    assert.match(explicit ?? '', /^metric_for_best_model="eval_loss" picks checkpoints and stops early by eval loss\. With save_total_limit=2/);
  });

  test('no limit, a limit of None, or no load_best_model_at_end: nothing about deletion', () => {
    for (const args of [
      'load_best_model_at_end=True',
      'load_best_model_at_end=True, save_total_limit=None',
      'metric_for_best_model="eval_loss", save_total_limit=2',
    ]) {
      const found = messages(`from transformers import TrainingArguments\nargs = TrainingArguments(${args})\n`);
      assert.ok(found.length > 0, args);
      for (const message of found) assert.doesNotMatch(message, /save_total_limit/, args);
    }
  });
});
