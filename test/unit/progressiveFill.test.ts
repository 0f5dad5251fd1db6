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

test('the fill draws the first runs in front, then every other run once, in slices, on the layer beneath', () => {
  const fill = new ProgressiveFill();
  const all = new Set(ids);
  const lines = [...ids.map(line), line('group:a')];
  assert.equal(
    fill.admit(ids, () => ['run-50', 'run-7'], []),
    true,
  );
  const first = fill.split(lines, all);
  assert.deepEqual(
    first.front.map((drawn) => drawn.runId),
    ['run-7', 'run-50', 'group:a'],
    "a group's mean belongs to no single run: drawn from the first frame",
  );
  assert.equal(first.layer.length, 0);
  assert.equal(first.pending.length, 98);
  assert.equal(fill.drawnOf(ids), 2);
  const seen: number[] = [];
  while (fill.grow(ids, 30)) seen.push(fill.drawnOf(ids));
  assert.deepEqual(seen, [32, 62, 92]);
  const done = fill.split(lines, all);
  assert.deepEqual(
    done.front.map((drawn) => drawn.runId),
    ['run-7', 'run-50', 'group:a'],
  );
  assert.equal(done.layer.length, 98);
  assert.equal(done.pending.length, 0);
  assert.equal(fill.drawnOf(ids), 100);
  // A run arriving after the fill is drawn at once; a run in focus comes to the front.
  assert.equal(
    fill.admit([...ids, 'late'], () => [], ['run-9']),
    false,
  );
  const later = fill.split([...lines, line('late')], new Set([...ids, 'late']));
  assert.equal(later.pending.length, 0);
  assert.deepEqual(
    later.front.map((drawn) => drawn.runId),
    ['run-7', 'run-9', 'run-50', 'group:a'],
  );
  assert.equal(later.layer.length, 98);
});

test('a run is in front while it is in focus: pointing along the run list brings no run to the front for good', () => {
  const fill = new ProgressiveFill();
  fill.admit(ids, () => ['run-0'], []);
  while (fill.grow(ids));
  for (const pointed of ids.slice(1)) fill.admit(ids, () => [], [pointed]);
  const front = (): string[] => fill.split(ids.map(line), new Set(ids)).front.map((shown) => shown.runId);
  assert.deepEqual(front(), ['run-0', 'run-99']);
  fill.admit(ids, () => [], [null]);
  assert.deepEqual(front(), ['run-0']);
});

test('a few runs are all drawn in front at once, as they always were', () => {
  const fill = new ProgressiveFill();
  const few = ids.slice(0, FIRST_DRAW_RUNS);
  assert.equal(
    fill.admit(few, () => few.slice(0, 3), []),
    false,
  );
  const split = fill.split(few.map(line), new Set(few));
  assert.equal(split.front.length, FIRST_DRAW_RUNS);
  assert.equal(split.layer.length + split.pending.length, 0);
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
  const drawnNow = (runIds: readonly string[]): string[] => {
    const split = fill.split(runIds.map(line), new Set(runIds));
    return [...split.front, ...split.layer].map((shown) => shown.runId);
  };
  assert.deepEqual(drawnNow(ids), ['run-0', 'run-60']);
  // run-0 hidden by the user, a new run written: the slices still reach every run drawn, each once.
  const now = [...ids.slice(1), 'new'];
  const counted = new Map<string, number>();
  let previous = new Set(['run-0', 'run-60']);
  const count = (): void => {
    const drawn = drawnNow(now);
    assert.equal(new Set(drawn).size, drawn.length, 'no line twice');
    for (const id of drawn) if (!previous.has(id)) counted.set(id, (counted.get(id) ?? 0) + 1);
    previous = new Set(drawn);
  };
  while (fill.grow(now, 25)) count();
  count();
  assert.deepEqual(previous, new Set(now));
  assert.ok([...counted.values()].every((times) => times === 1));
  assert.equal(counted.size + 1, now.length, 'every run but run-60 (drawn from the start) came in exactly one slice');
});
