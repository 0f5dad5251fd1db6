import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepLinePattern } from '../../src/core/logStepLine';
import { RunStore } from '../../src/core/runStore';
import { isWebviewMessage, MAX_SERIES_PER_REQUEST } from '../../src/protocol';
import { requestedSeries, statusRunInputs } from '../../src/vscode/runViews';

test('messages from the panel are checked before the host acts on them', () => {
  assert.equal(isWebviewMessage({ type: 'requestSeries', requestId: 3, items: [{ runId: '/r', key: 'loss', from: 10, to: null }] }), true);
  assert.equal(isWebviewMessage({ type: 'requestSeries', requestId: 3, items: [{ runId: '/r', key: 'loss', from: 'x', to: null }] }), false);
  assert.equal(isWebviewMessage({ type: 'requestSeries', requestId: 1.5, items: [] }), false);
  const tooMany = Array.from({ length: MAX_SERIES_PER_REQUEST + 1 }, () => ({ runId: '/r', key: 'loss', from: null, to: null }));
  assert.equal(isWebviewMessage({ type: 'requestSeries', requestId: 1, items: tooMany }), false);
  assert.equal(isWebviewMessage({ type: 'export', format: 'csv', fileName: 'visible data.csv', data: 'a,b\n' }), true);
  assert.equal(isWebviewMessage({ type: 'export', format: 'csv', fileName: '../../.bashrc', data: '' }), false, 'a file name cannot climb out of the folder');
  assert.equal(isWebviewMessage({ type: 'export', format: 'svg', fileName: 'a.svg', data: '' }), false);
  assert.equal(isWebviewMessage({ type: 'openLog', runId: '/r', path: '/r/log.jsonl', step: 300 }), true);
  assert.equal(isWebviewMessage({ type: 'openLog', runId: '/r', path: '/r/log.jsonl', step: Number.NaN }), false);
  assert.equal(isWebviewMessage({ type: 'findLossTrustingCode', runId: '/r' }), true);
  assert.equal(isWebviewMessage({ type: 'findLossTrustingCode' }), false, 'the code is found by the run of the warning');
  assert.equal(isWebviewMessage({ type: 'focusRun', runId: '/r' }), true);
  assert.equal(isWebviewMessage({ type: 'focusRun', runId: 3 }), false, 'the status bar follows a focused run only by its id');
  assert.equal(isWebviewMessage({ type: 'addDumpHelper' }), true, 'the empty state runs the command that copies the dump helper');
});

test('the host answers a zoom from the store: the window at full detail, with its own point count', () => {
  const store = new RunStore();
  const points = Array.from({ length: 100_000 }, (_, i) => ({ key: 'loss', step: i + 1, value: i === 41_234 ? 99 : 1 / (i + 1) }));
  store.addPoints('/r', { path: '/r/m.jsonl', format: 'jsonl' }, points);
  const window = requestedSeries(store, { runId: '/r', key: 'loss', from: 40_001, to: 41_500 }) ?? assert.fail();
  assert.equal(window.total, 1502, 'the 1,500 steps asked for and one beyond each end');
  assert.equal(window.steps.length, 1502, 'small enough to send whole');
  assert.equal(window.values[window.steps.indexOf(41_235)], 99);
  const whole = requestedSeries(store, { runId: '/r', key: 'loss', from: null, to: null }) ?? assert.fail();
  assert.equal(whole.total, 100_000);
  assert.ok(whole.steps.length <= 2001 && whole.steps.includes(41_235), 'downsampled, and the spike survives');
  assert.equal(requestedSeries(store, { runId: '/r', key: 'nope', from: null, to: null }), null);
});

test('a log opens at the line that logs the step, not at a longer number that starts with it', () => {
  const pattern = stepLinePattern(300);
  assert.equal(pattern.test('{"current_steps": 300, "loss": 1.2}'), true);
  assert.equal(pattern.test('      "step": 300'), true);
  assert.equal(pattern.test('{"current_steps": 3000, "loss": 1.2}'), false);
  assert.equal(pattern.test('{"step": 300.5}'), false);
  assert.equal(pattern.test('{"loss": 300}'), false);
});

test("the status bar's inputs: runs with an eval accuracy, most recent last, live ones by their write time", () => {
  const now = 1_000_000;
  const view = (id: string, updatedAt: number | null, latest: boolean) => [id, { id, updatedAt, latest: latest ? {} : null }] as const;
  const views = new Map([view('/a', now - 5_000, true), view('/b', now - 600_000, true), view('/c', now - 1_000, false)]) as unknown as Parameters<
    typeof statusRunInputs
  >[1];
  const inputs = statusRunInputs({ recentlyChanged: () => ['/b', '/c', '/a'] }, views, ['/b'], now);
  assert.deepEqual(inputs.recent, ['/b', '/a'], 'a run without an eval accuracy has nothing to show');
  assert.deepEqual([...inputs.live], ['/a']);
  assert.deepEqual(inputs.scriptRuns, ['/b']);
});
