import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunReport } from '../../src/core/report';
import { formatText } from '../../src/core/reportText';
import { namedRunLabel } from '../../src/core/runLabel';

function run(id: string, name?: string): RunReport {
  return {
    id,
    ...(name === undefined ? {} : { info: { name } }),
    sources: [{ path: id.split('#')[0] ?? id, format: 'jupyter-notebook' }],
    metrics: {},
    roles: { evalLoss: null, evalAccuracy: null, trainLoss: null },
    accuracyDefinition: null,
    best: { byLoss: null, byAccuracy: null },
    warnings: [],
  };
}

test("the text report's run line names a run as the panel does: its name, and its id where the id says more", () => {
  const text = formatText(
    {
      runs: [run('/ws/notebooks/ft.ipynb#cell-3', 'ft.ipynb · cell 3'), run('/ws/mlruns/1/abc', 'abc'), run('/ws/mlruns/1/def', 'lr-1e-4'), run('/ws/plain')],
      problems: [],
    },
    ['/ws'],
  );
  assert.match(text, /^Run ft\.ipynb · cell 3 \(notebooks\/ft\.ipynb#cell-3\)$/m);
  assert.match(text, /^Run mlruns\/1\/abc$/m, 'a name the folder already ends with is not said twice');
  assert.match(text, /^Run lr-1e-4 \(mlruns\/1\/def\)$/m);
  assert.match(text, /^Run plain$/m);
});

test('namedRunLabel: the place alone without a name, or when it ends with the name', () => {
  assert.equal(namedRunLabel(undefined, 'runs/a'), 'runs/a');
  assert.equal(namedRunLabel('', 'runs/a'), 'runs/a');
  assert.equal(namedRunLabel('a', 'runs/a'), 'runs/a');
  assert.equal(namedRunLabel('ft.ipynb · cell 3', 'ft.ipynb#cell-3'), 'ft.ipynb · cell 3 (ft.ipynb#cell-3)');
});
