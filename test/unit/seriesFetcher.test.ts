import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../src/core/runStore';
import { buildRunView } from '../../src/core/runView';
import type { WebviewMessage } from '../../src/protocol';
import { detailKey } from '../../webview/chartData';
import { SeriesFetcher } from '../../webview/seriesFetcher';
import { defaultUiState } from '../../webview/uiState';

function bigRun(id: string) {
  const store = new RunStore();
  const points = [];
  for (let step = 1; step <= 10_000; step++) {
    points.push({ key: 'loss', step, value: 1 / step });
    if (step % 100 === 0)
      points.push({ key: 'eval_loss', step, value: 2 }, { key: 'eval_accuracy', step, value: 0.5 }, { key: 'learning_rate', step, value: 1e-5 });
  }
  store.addPoints(id, { path: `${id}/m.jsonl`, format: 'jsonl' }, points);
  return buildRunView(store.snapshot(id) ?? assert.fail(), id);
}

const wait = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

test('zoomed detail is asked for only for series that were downsampled, in the steps on screen', async () => {
  const posted: WebviewMessage[] = [];
  const fetcher = new SeriesFetcher((message) => posted.push(message));
  const runs = [bigRun('/a'), bigRun('/b')];
  fetcher.requestDetail(runs, defaultUiState(0.6), { min: 2000.4, max: 2999.6 }, 0);
  await wait(5);
  const [request] = posted;
  assert.ok(request !== undefined && request.type === 'requestSeries');
  assert.deepEqual(
    request.items.map((item) => [item.runId, item.key, item.from, item.to]),
    [
      ['/a', 'loss', 2000, 3000],
      ['/b', 'loss', 2000, 3000],
    ],
    'eval series of 100 points were sent whole and need no detail',
  );
  assert.equal(
    fetcher.receive(request.requestId, [{ ...(request.items[0] ?? assert.fail()), data: { key: 'loss', steps: [2000, 2001], values: [1, 2], total: 2 } }]),
    true,
  );
  assert.deepEqual(fetcher.detail.get(detailKey('/a', 'loss'))?.steps, [2000, 2001]);
});

test('an answer to a request that was superseded is dropped, and a reset forgets the detail', async () => {
  const posted: WebviewMessage[] = [];
  const fetcher = new SeriesFetcher((message) => posted.push(message));
  const runs = [bigRun('/a')];
  fetcher.requestDetail(runs, defaultUiState(0.6), { min: 0, max: 100 }, 0);
  await wait(5);
  fetcher.requestDetail(runs, defaultUiState(0.6), { min: 0, max: 50 }, 0);
  await wait(5);
  const [first, second] = posted;
  assert.ok(first?.type === 'requestSeries' && second?.type === 'requestSeries');
  const data = { key: 'loss', steps: [1], values: [1], total: 1 };
  assert.equal(fetcher.receive(first.requestId, [{ runId: '/a', key: 'loss', from: 0, to: 100, data }]), false);
  assert.equal(fetcher.receive(second.requestId, [{ runId: '/a', key: 'loss', from: 0, to: 50, data }]), true);
  fetcher.requestDetail(runs, defaultUiState(0.6), null);
  assert.equal(fetcher.detail.size, 0);
});

test('the extra key is asked for once per run that logs it, and again after the run changes', () => {
  const posted: WebviewMessage[] = [];
  const fetcher = new SeriesFetcher((message) => posted.push(message));
  const runs = [bigRun('/a'), { ...bigRun('/b'), keys: ['loss'] }];
  fetcher.requestExtras(runs, 'learning_rate');
  const [request] = posted;
  assert.ok(request?.type === 'requestSeries');
  assert.deepEqual(request.items, [{ runId: '/a', key: 'learning_rate', from: null, to: null }]);
  fetcher.receive(request.requestId, [{ ...(request.items[0] ?? assert.fail()), data: { key: 'learning_rate', steps: [100], values: [1e-5], total: 1 } }]);
  fetcher.requestExtras(runs, 'learning_rate');
  assert.equal(posted.length, 1, 'nothing new to ask for');
  fetcher.forget(['/a']);
  fetcher.requestExtras(runs, 'learning_rate');
  assert.equal(posted.length, 2);
});
