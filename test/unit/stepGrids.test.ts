import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RunStore } from '../../src/core/runStore';
import { PointColumns } from '../../src/core/pointColumns';
import type { MetricPoint } from '../../src/core/types';

const source = (run: string) => ({ path: `/${run}/metrics.jsonl`, format: 'jsonl' as const });

/** `keys` logged at steps 1..n (every `stride`), each key's values its own. */
function log(keys: readonly string[], n: number, stride = 1, offset = 0): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let step = stride; step <= n * stride; step += stride) keys.forEach((key, k) => points.push({ key, step, value: offset + k + step / 1000 }));
  return points;
}

function columns(points: readonly MetricPoint[]): PointColumns {
  const batch = new PointColumns();
  for (const { key, step, value } of points) batch.add(key, step, value, undefined, undefined);
  return batch;
}

test('settled series of one grid hold one steps array: metrics of a log and runs of a sweep', () => {
  const store = new RunStore();
  store.addPoints('a', source('a'), columns(log(['loss', 'learning_rate'], 500)));
  store.settle('a');
  store.addPoints('b', source('b'), log(['loss'], 500, 1, 7));
  store.settle('b');
  const a = store.snapshot('a');
  const b = store.snapshot('b');
  const loss = a?.metrics.get('loss');
  assert.equal(a?.metrics.get('learning_rate')?.steps, loss?.steps);
  assert.equal(b?.metrics.get('loss')?.steps, loss?.steps);
  assert.deepEqual(b?.metrics.get('loss'), { steps: log(['loss'], 500).map((p) => p.step), values: log(['loss'], 500, 1, 7).map((p) => p.value) });
});

test('grids that differ anywhere, or are short, keep their own arrays', () => {
  const store = new RunStore();
  const other = log(['loss'], 300).map((point) => (point.step === 150 ? { ...point, step: 150.5 } : point));
  store.addPoints('a', source('a'), log(['loss'], 300));
  store.addPoints('b', source('b'), other);
  store.addPoints('c', source('c'), log(['loss'], 40));
  store.addPoints('d', source('d'), log(['loss'], 40));
  for (const run of ['a', 'b', 'c', 'd']) store.settle(run);
  const steps = (run: string): readonly number[] | undefined => store.snapshot(run)?.metrics.get('loss')?.steps;
  assert.notEqual(steps('a'), steps('b'));
  assert.deepEqual(
    steps('b'),
    other.map((p) => p.step),
  );
  assert.notEqual(steps('c'), steps('d'));
});

test('a series that writes a step after sharing copies the array: the others keep their points', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ run: fc.constantFrom('a', 'b', 'c'), step: fc.integer({ min: 0, max: 400 }), value: fc.double({ noNaN: true }), settle: fc.boolean() }),
        {
          maxLength: 60,
        },
      ),
      fc.boolean(),
      (writes, asColumns) => {
        const store = new RunStore();
        const model = new Map<string, Map<number, number>>();
        for (const run of ['a', 'b', 'c']) {
          const points = log(['loss', 'acc'], 100, 2);
          store.addPoints(run, source(run), asColumns ? columns(points) : points);
          store.settle(run);
          for (const { key, step, value } of points) {
            const series = model.get(`${run}/${key}`) ?? new Map<number, number>();
            series.set(step, value);
            model.set(`${run}/${key}`, series);
          }
        }
        for (const { run, step, value, settle } of writes) {
          const point = { key: 'loss', step, value };
          store.addPoints(run, source(run), asColumns ? columns([point]) : [point]);
          model.get(`${run}/loss`)?.set(step, value);
          if (settle) store.settle(run);
        }
        for (const [name, expected] of model) {
          const [run, key] = name.split('/') as [string, string];
          const sorted = [...expected].sort((x, y) => x[0] - y[0]);
          assert.deepEqual(store.snapshot(run)?.metrics.get(key), { steps: sorted.map(([step]) => step), values: sorted.map(([, value]) => value) });
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("a followed log's shared series copy their steps once, not at every append: a kept pass can resume", () => {
  const store = new RunStore();
  store.addPoints('a', source('a'), log(['loss', 'learning_rate'], 500));
  store.settle('a');
  assert.equal(store.snapshot('a')?.metrics.get('loss')?.steps, store.snapshot('a')?.metrics.get('learning_rate')?.steps);
  const arrays: (readonly number[] | undefined)[] = [];
  for (let step = 501; step <= 530; step++) {
    store.addPoints('a', source('a'), [
      { key: 'loss', step, value: 1 },
      { key: 'learning_rate', step, value: 2 },
    ]);
    store.settle('a');
    arrays.push(store.snapshot('a')?.metrics.get('loss')?.steps);
  }
  assert.equal(new Set(arrays).size, 1);
  assert.equal(arrays[0]?.length, 530);
});
