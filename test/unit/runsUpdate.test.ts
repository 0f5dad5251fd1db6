import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunView } from '../../src/core/runView';
import type { RunView } from '../../src/protocol';
import { applyRunsUpdate } from '../../webview/runsUpdate';
import { fixtureStore } from '../fixtures/runs';

const store = fixtureStore('/ws/b', '/ws/c');
const [b, c] = store.runIds().map((id) => buildRunView(store.snapshot(id) ?? assert.fail(), id)) as [RunView, RunView];
const ids = (runs: readonly RunView[]): string[] => runs.map((run) => run.id);

test('a live update replaces changed runs, adds new ones in id order, and drops removed ones', () => {
  const changedB = { ...b, label: 'b again' };
  const a = { ...c, id: '/ws/a' };
  const next = applyRunsUpdate([b, c], [changedB, a], ['/ws/c']);
  assert.deepEqual(ids(next), ['/ws/a', '/ws/b']);
  assert.equal(next[1], changedB);
  assert.deepEqual(ids(applyRunsUpdate([b, c], [], [])), ['/ws/b', '/ws/c'], 'an empty update changes nothing');
  assert.deepEqual(ids(applyRunsUpdate([b], [c], ['/ws/c'])), ['/ws/b', '/ws/c'], 'a run sent as changed stays, as before');
});
