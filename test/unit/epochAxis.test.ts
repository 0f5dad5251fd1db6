import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import { buildRunReport } from '../../src/core/report';
import { formatText } from '../../src/core/reportText';
import { watchLine } from '../../src/core/watchText';
import { statusTooltip } from '../../src/core/statusText';
import { inXUnit, xAt, xUnitOf } from '../../src/core/xUnit';
import { notebookRuns } from '../../src/core/formats/notebookOutputs';
import { buildChartModel, epochNoteFor } from '../../webview/chartData';
import { runStory } from '../../webview/warningStory';
import { defaultUiState, type UiState } from '../../webview/uiState';
import { formatX, shownXAxis } from '../../webview/xAxis';
import { misleadingRunPoints } from '../fixtures/runs';
import type { MetricPoint } from '../../src/core/types';

const ui = (change: Partial<UiState> = {}): UiState => ({ ...defaultUiState(0.6), ...change });

/** The misleading fixture as a notebook's printed dicts give it: the x is the epoch (0.5 per evaluation), with the epoch beside it. */
function epochPoints(): MetricPoint[] {
  return misleadingRunPoints().map((point) => ({ ...point, step: point.step / 200, epoch: point.step / 200 }));
}

function snapshotOf(id: string, points: readonly MetricPoint[], format = 'jupyter-notebook'): NonNullable<ReturnType<RunStore['snapshot']>> {
  const store = new RunStore();
  store.addPoints(id, { path: id.split('#')[0] ?? id, format }, [...points]);
  return store.snapshot(id) ?? assert.fail();
}

test('the x unit helper: a run says step unless its reader decided epoch, and only "step N" words are the x', () => {
  assert.equal(xUnitOf(undefined), 'step');
  assert.equal(xUnitOf({ xUnit: 'epoch' }), 'epoch');
  assert.equal(xAt('epoch', 2.5), 'epoch 2.5');
  assert.equal(
    inXUnit('Eval loss has flattened since step 3: from step 1 to step 4; steps 1–3. Set eval_steps per step.', 'epoch'),
    'Eval loss has flattened since epoch 3: from epoch 1 to epoch 4; epochs 1–3. Set eval_steps per step.',
  );
  assert.equal(inXUnit('Step 3 of steps 1–3', 'step'), 'Step 3 of steps 1–3');
  assert.equal(inXUnit('Steps 4–6', 'epoch'), 'Epochs 4–6');
});

test("the notebook reader says the run's x unit as a field: epoch for printed dicts and Epoch tables, step for a Step table", () => {
  const dicts = notebookRuns('ft.ipynb', [
    {
      index: 2,
      outputs: [{ kind: 'stream', stream: 'stdout', mime: 'text/plain', text: "{'loss': 2.1, 'epoch': 0.5}\n{'eval_loss': 1.9, 'epoch': 0.5}\n" }],
    },
  ]);
  assert.equal(dicts.runs[0]?.runInfo.xUnit, 'epoch');
  const table = notebookRuns('ft.ipynb', [
    { index: 0, outputs: [{ kind: 'display', mime: 'text/plain', text: 'Step  Training Loss  Validation Loss\n100  2.1  1.9\n' }] },
  ]);
  assert.equal(table.runs[0]?.runInfo.xUnit, 'step');
});

test("a run counted in epochs: its warnings, the text report, watch's line and the status hover say epoch, never step", () => {
  const snapshot = snapshotOf('/ws/ft.ipynb#cell-3', epochPoints());
  const stepView = buildRunView(snapshot, 'ft.ipynb · cell 3');
  assert.ok(
    stepView.warnings.some((warning) => /\bstep \d/.test(warning.message)),
    'the fixture words its warning at a step',
  );
  const view = buildRunView(snapshot, 'ft.ipynb · cell 3', {}, null, [], {}, undefined, 'epoch');
  assert.equal(view.xUnit, 'epoch');
  assert.ok(view.warnings.length > 0);
  for (const warning of view.warnings) assert.doesNotMatch(warning.message, /\bsteps? \d/i, warning.message);
  assert.ok(view.warnings.some((warning) => /\bepoch \d/.test(warning.message)));

  const report = buildRunReport(snapshot, {}, { name: 'ft.ipynb · cell 3', xUnit: 'epoch' });
  assert.equal(report.info?.xUnit, 'epoch', 'report --json carries the reader’s decision');
  for (const warning of report.warnings) assert.doesNotMatch(warning.message, /\bsteps? \d/i);
  const text = formatText({ runs: [report], problems: [] });
  assert.match(text, /best by loss: {5}epoch 1\.5 /);
  assert.match(text, /best by accuracy: epoch 5 /);
  assert.doesNotMatch(text, /\bstep \d/);
  const line = watchLine(report, 'ft.ipynb · cell 3');
  assert.match(line, /^ft\.ipynb · cell 3: epoch 5 · eval loss [\d.]+ \(epoch 5\) · eval accuracy [\d.%]+ \(epoch 5\)/);
  const hover = statusTooltip(view, [view]);
  assert.match(hover, /\(epoch 5\)/);
  assert.match(hover, /Best by loss \| epoch 1\.5 /);
  assert.doesNotMatch(hover, /\bstep \d/);
  assert.match(runStory(view)?.headline ?? '', /epoch/);
});

test('the chart: a step axis of runs that all count in epochs is titled and ticked as the epoch; mixed, a note names them', () => {
  const epochRun = buildRunView(snapshotOf('/ws/ft.ipynb#cell-3', epochPoints()), 'ft.ipynb · cell 3', {}, null, [], {}, undefined, 'epoch');
  const stepRun = buildRunView(snapshotOf('/ws/sft', misleadingRunPoints(), 'jsonl'), 'sft');
  const colors = { [epochRun.id]: 0, [stepRun.id]: 1 };

  const alone = buildChartModel([epochRun], ui(), colors);
  assert.equal(alone.xShown, 'epoch');
  assert.equal(alone.epochNote, null);
  assert.ok(alone.annotations.loss.some((mark) => mark.kind === 'best-loss' && mark.label === 'best loss, epoch 1.5'));

  const mixed = buildChartModel([epochRun, stepRun], ui(), colors);
  assert.equal(mixed.xShown, 'step');
  assert.equal(
    mixed.epochNote,
    '1 run logs no step, only the epoch, and is drawn at its epoch on this step axis: ft.ipynb · cell 3. The epoch axis compares it with the runs that log epochs.',
  );
  const steps = buildChartModel([stepRun], ui(), colors);
  assert.equal(steps.xShown, 'step');
  assert.equal(steps.epochNote, null);
  // The epoch axis maps every run through its own epochs: nothing to say there.
  const epochAxis = buildChartModel([epochRun, stepRun], ui({ xAxis: 'epoch' }), colors);
  assert.equal(epochAxis.xShown, 'epoch');
  assert.equal(epochAxis.epochNote, null);
});

test('shownXAxis and the epoch ticks: decimals only as needed, never the same label twice', () => {
  assert.deepEqual(shownXAxis('step', []), { mode: 'step', epochRuns: [] });
  assert.deepEqual(shownXAxis('wall', [{ xUnit: 'epoch' }]), { mode: 'wall', epochRuns: [] });
  assert.equal(shownXAxis('step', [{ xUnit: 'epoch' }, { xUnit: 'epoch' }]).mode, 'epoch');
  const ticks = [0.8, 1, 1.2, 1.4, 1.6, 1.8, 2].map((value) => formatX(value, 'epoch'));
  assert.deepEqual(ticks, ['0.8', '1', '1.2', '1.4', '1.6', '1.8', '2']);
  assert.deepEqual(
    [1, 1.25, 1.5, 1.75].map((value) => formatX(value, 'epoch')),
    ['1', '1.25', '1.5', '1.75'],
  );
  assert.equal(formatX(0.30000000000000004, 'epoch'), '0.3');
  const many = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}`, label: `run ${i}` }));
  assert.match(
    epochNoteFor(many) ?? '',
    /^7 runs log no step, only the epoch, and are drawn at their epoch on this step axis: run 0, run 1, run 2, run 3, run 4 and 2 more\./,
  );
});
