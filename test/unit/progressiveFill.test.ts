import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunView } from '../../src/core/runView';
import type { ChartLine } from '../../webview/chartData';
import { FIRST_DRAW_RUNS, priorityRuns, ProgressiveFill } from '../../webview/progressiveFill';

/** Just what the fill reads of a run: its id and when it last wrote. */
function run(id: string, updatedAt: number | null): RunView {
  return { id, updatedAt } as unknown as RunView;
}

function line(runId: string): ChartLine {
  return { runId, label: runId, key: 'loss', colorIndex: 0, raw: false, train: false, dashed: false, faded: false, points: [] };
}

const ids = Array.from({ length: 100 }, (_, i) => `run-${i}`);
// Run i wrote at time i: the last runs in the list are the most recent.
const runs = ids.map((id, i) => run(id, i));

test('the first runs drawn: focused, pinned and annotated first, then the most recently written, up to the limit', () => {
  const first = priorityRuns(runs, { focusedRunId: 'run-3', pinnedRunIds: ['run-5', 'gone'], annotatedRunIds: ['run-0', 'run-1'] }, 6);
  assert.deepEqual(first, ['run-3', 'run-5', 'run-0', 'run-1', 'run-99', 'run-98']);
  // Runs in focus are never left out, even past the limit; a run that never wrote comes last.
  assert.deepEqual(priorityRuns([run('a', null), run('b', 5)], { focusedRunId: null, pinnedRunIds: [], annotatedRunIds: [] }, 1), ['b']);
  assert.deepEqual(priorityRuns(runs, { focusedRunId: 'run-1', pinnedRunIds: ['run-2'], annotatedRunIds: [] }, 1), ['run-1', 'run-2']);
  assert.equal(priorityRuns(runs, { focusedRunId: null, pinnedRunIds: [], annotatedRunIds: [] }).length, FIRST_DRAW_RUNS);
});

test('the fill draws the first runs, then every other run once, in slices, and then everything at once', () => {
  const fill = new ProgressiveFill();
  const all = new Set(ids);
  const lines = [...ids.map(line), line('group:a')];
  assert.equal(
    fill.admit(ids, () => ['run-50', 'run-7'], []),
    true,
  );
  const first = fill.split(lines, all);
  assert.deepEqual(
    first.drawn.map((drawn) => drawn.runId),
    ['run-7', 'run-50', 'group:a'],
    "a group's mean belongs to no single run: drawn from the first frame",
  );
  assert.equal(first.pending.length, 98);
  assert.equal(fill.drawnOf(ids), 2);
  const seen: number[] = [];
  while (fill.grow(ids, 30)) seen.push(fill.drawnOf(ids));
  assert.deepEqual(seen, [32, 62, 92]);
  const done = fill.split(lines, all);
  assert.equal(done.drawn, lines, 'complete: every line, as the model has them');
  assert.equal(done.pending.length, 0);
  assert.equal(fill.drawnOf(ids), 100);
  // A run arriving after the fill is drawn at once.
  assert.equal(
    fill.admit([...ids, 'late'], () => [], []),
    false,
  );
  assert.equal(fill.split([line('late')], new Set(['late'])).drawn.length, 1);
});

test('mid-fill, a run in focus is drawn at once, a run drawn stays drawn, and no run is lost when runs come and go', () => {
  const fill = new ProgressiveFill();
  assert.equal(
    fill.admit([], () => ['never'], []),
    false,
    'no run yet: the fill waits for the first ones',
  );
  assert.equal(
    fill.admit(ids, () => ['run-0'], []),
    true,
  );
  assert.equal(
    fill.admit(ids, () => ['not asked again'], ['run-60', null]),
    true,
  );
  assert.deepEqual(
    fill.split(ids.map(line), new Set(ids)).drawn.map((drawn) => drawn.runId),
    ['run-0', 'run-60'],
  );
  // run-0 hidden by the user, a new run written: the slices still reach every run drawn, each once.
  const now = [...ids.slice(1), 'new'];
  const counted = new Map<string, number>();
  let previous = new Set(['run-0', 'run-60']);
  while (fill.grow(now, 25)) {
    const drawn = fill.split(now.map(line), new Set(now)).drawn.map((shown) => shown.runId);
    for (const id of drawn) if (!previous.has(id)) counted.set(id, (counted.get(id) ?? 0) + 1);
    previous = new Set(drawn);
  }
  const last = fill.split(now.map(line), new Set(now)).drawn.map((shown) => shown.runId);
  for (const id of last) if (!previous.has(id)) counted.set(id, (counted.get(id) ?? 0) + 1);
  assert.deepEqual(new Set(last), new Set(now));
  assert.ok([...counted.values()].every((count) => count === 1));
  assert.equal(counted.size + 1, now.length, 'every run but run-60 (drawn from the start) came in exactly one slice');
});
