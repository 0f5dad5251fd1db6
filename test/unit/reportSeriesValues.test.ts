import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunReport } from '../../src/core/report';
import { RunStore } from '../../src/core/runStore';

const SOURCE = { path: '/logs/run/metrics.jsonl', format: 'jsonl' } as const;

function snapshotOf(values: readonly number[]): NonNullable<ReturnType<RunStore['snapshot']>> {
  const store = new RunStore();
  store.addPoints(
    'run',
    SOURCE,
    values.map((value, index) => ({ key: 'loss', step: index + 1, value })),
  );
  store.settle('run');
  const snapshot = store.snapshot('run');
  assert.ok(snapshot !== undefined);
  return snapshot;
}

test('a series of finite values is reported without a second copy of its values', () => {
  const snapshot = snapshotOf([2, 1.5, 1.25]);
  const report = buildRunReport(snapshot);
  assert.deepEqual(report.metrics['loss'], { steps: [1, 2, 3], values: [2, 1.5, 1.25] });
  // The store's own array is held by the report: 1,000 runs × 10,000 points are not held twice.
  assert.equal(report.metrics['loss']?.values, snapshot.metrics.get('loss')?.values);
});

test('a value that is not finite is reported as null, the store keeping its own number', () => {
  const snapshot = snapshotOf([2, Number.NaN, Number.POSITIVE_INFINITY, 1]);
  const report = buildRunReport(snapshot);
  assert.deepEqual(report.metrics['loss']?.values, [2, null, null, 1]);
  assert.deepEqual(snapshot.metrics.get('loss')?.values, [2, Number.NaN, Number.POSITIVE_INFINITY, 1]);
  assert.equal(JSON.stringify(report.metrics['loss']), '{"steps":[1,2,3,4],"values":[2,null,null,1]}');
});

test('each kind of value that is not finite, alone in a series, is reported as null; -0 and the largest numbers are finite', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    assert.deepEqual(buildRunReport(snapshotOf([1, -0, bad, 2])).metrics['loss']?.values, [1, -0, null, 2]);
  const finite = snapshotOf([-0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE]);
  assert.equal(buildRunReport(finite).metrics['loss']?.values, finite.metrics.get('loss')?.values);
});
