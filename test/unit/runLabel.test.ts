import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunView } from '../../src/core/runView';
import type { Warning } from '../../src/core/analysis/warning';
import { compactRunLabel, displayLabel, withDisplayLabels } from '../../src/core/runLabel';
import { runsBadge } from '../../src/core/runsBadge';
import { statusRunName } from '../../src/core/statusRun';
import { namedStatusLabel, namedStatusText, statusRunItems, statusTooltip } from '../../src/core/statusText';
import { fixtureStore } from '../fixtures/runs';

const RUN_ID = '8e5d1fe41dcd4cc5ba32921b07f1b7f1';

test("MLflow's long run and experiment ids are cut to 8 characters in a label; other labels are left alone", () => {
  // As the sample AlsonYang__study-pytorch's runs are labelled: the folder under the workspace root.
  assert.equal(compactRunLabel(`AlsonYang__study-pytorch/mlruns/1/${RUN_ID}`), 'AlsonYang__study-pytorch/mlruns/1/8e5d1fe4…');
  assert.equal(compactRunLabel(`bright-owl-42 (mlruns/851934564328427613/${RUN_ID})`), 'bright-owl-42 (mlruns/85193456…/8e5d1fe4…)');
  assert.equal(compactRunLabel(`C:\\ws\\mlruns\\0\\${RUN_ID.toUpperCase()}`), 'C:\\ws\\mlruns\\0\\8E5D1FE4…');
  for (const label of [
    'sft-lr1e-4 (outputs/sft-lr1e-4/runs)',
    'lightning_logs/version_3',
    `run-${RUN_ID}x`,
    'wandb/run-20240101_120000-abc12345',
    '1234567890',
  ])
    assert.equal(compactRunLabel(label), label);
});

test('one name per run everywhere: the alias as typed, else the compact label', () => {
  const runs = [
    { id: '/ws/a', label: `mlruns/1/${RUN_ID}` },
    { id: '/ws/b', label: 'sft' },
  ];
  assert.equal(displayLabel(runs[0] ?? assert.fail()), 'mlruns/1/8e5d1fe4…');
  assert.equal(displayLabel(runs[0] ?? assert.fail(), { '/ws/a': 'baseline (old lr)/2' }), 'baseline (old lr)/2');
  const shown = withDisplayLabels(runs, { '/ws/b': 'small lr' });
  assert.deepEqual(
    shown.map((run) => run.label),
    ['mlruns/1/8e5d1fe4…', 'small lr'],
  );
  assert.equal(withDisplayLabels([runs[1] ?? assert.fail()])[0], runs[1], 'a run shown by its own label is the same object');
});

test("the status bar, its accessible label, its hover and the quick pick name a run by its alias, and the hover gives the run's own label", () => {
  const store = fixtureStore();
  const view = buildRunView(store.snapshot('/ws/sft-run') ?? assert.fail(), 'outputs/sft-lr1e-4');
  const other = buildRunView(store.snapshot('/ws/healthy') ?? assert.fail(), `mlruns/1/${RUN_ID}`);
  const aliases = { [view.id]: 'lr 1e-4 / seed 2 (rerun)' };
  // An alias is never taken apart as a label is (its slash and brackets are the user's).
  assert.equal(statusRunName(view, aliases), 'lr 1e-4 / seed 2 (rerun)');
  assert.equal(statusRunName(view, { [view.id]: 'x'.repeat(40) }), `${'x'.repeat(31)}…`);
  assert.equal(statusRunName(other), '8e5d1fe4…', 'an unnamed MLflow run by its short id');
  assert.match(namedStatusText(view, aliases), /^lr 1e-4 \/ seed 2 \(rerun\) · Token acc/);
  assert.match(namedStatusLabel(view, aliases), /^Run lr 1e-4 \/ seed 2 \(rerun\): Token acc/);
  const tooltip = statusTooltip(view, [view, other], 'chosen', aliases);
  assert.ok(tooltip.startsWith('**Token Accuracy Lens** · lr 1e\\-4 \\/ seed 2 \\(rerun\\)\n\n_outputs\\/sft\\-lr1e\\-4_\n'), tooltip);
  assert.doesNotMatch(statusTooltip(view, [view, other], 'chosen'), /^\*\*Token Accuracy Lens\*\* · [^\n]*\n\n_/, 'no second name without an alias');
  const items = statusRunItems([view, other], view.id, Date.now(), aliases);
  const mine = items.find((item) => item.runId === view.id) ?? assert.fail();
  assert.equal(mine.label, 'lr 1e-4 / seed 2 (rerun)');
  assert.equal(mine.detail, `outputs/sft-lr1e-4 · ${view.id}`);
  assert.match(mine.description, /shown now/);
  const theirs = items.find((item) => item.runId === other.id);
  if (theirs !== undefined) assert.equal(theirs.label, 'mlruns/1/8e5d1fe4…');
});

function warning(confidence: Warning['confidence'], kind: Warning['kind'] = 'misleading-loss'): Warning {
  return { kind, form: 'rising', confidence, step: 10, startStep: 5, message: 'm', evidence: {} };
}

test("the runs tree's badge counts runs with a warning at medium or high confidence, and its tooltip says what it leaves out", () => {
  assert.equal(runsBadge([{ warnings: [] }]), undefined);
  assert.equal(runsBadge([{ warnings: [warning('low')] }, { warnings: [] }]), undefined, 'a low-confidence warning alone is no standing alarm');
  const badge = runsBadge([
    { warnings: [warning('high')] },
    { warnings: [warning('low'), warning('medium')] },
    { warnings: [warning('low')] },
    { warnings: [warning('high', 'plateau')] },
    { warnings: [] },
  ]);
  assert.deepEqual(badge, {
    value: 2,
    tooltip: "2 runs with a warning at medium or high confidence; 2 more with only low-confidence or advisory ones, not counted (see each run's tooltip)",
  });
  assert.equal(
    runsBadge([{ warnings: [{ ...warning('high'), severity: 'information' }] }]),
    undefined,
    'a warning the user turned to information does not count',
  );
});
