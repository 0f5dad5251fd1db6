import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differingParameters, parameterColumns, MAX_DEFAULT_PARAM_COLUMNS } from '../../webview/paramColumns';
import { nextSort, parameterSortValue, restoreSort, sortBy } from '../../webview/runsSort';

test('numbers sort by value, not as text, and missing values go last in both directions', () => {
  const items = [{ v: 10 }, { v: null }, { v: 9 }, { v: 100 }];
  assert.deepEqual(
    sortBy(items, (item) => item.v, false).map((item) => item.v),
    [9, 10, 100, null],
  );
  assert.deepEqual(
    sortBy(items, (item) => item.v, true).map((item) => item.v),
    [100, 10, 9, null],
  );
});

test('text sorts with numerals by value, and ties keep their given order', () => {
  const items = [
    { id: 'a', v: 'run-10' },
    { id: 'b', v: 'run-9' },
    { id: 'c', v: 'run-9' },
  ];
  assert.deepEqual(
    sortBy(items, (item) => item.v, false).map((item) => item.id),
    ['b', 'c', 'a'],
  );
  assert.deepEqual(
    sortBy(items, (item) => item.v, true).map((item) => item.id),
    ['a', 'b', 'c'],
  );
});

test('parameters stored as text (MLflow) sort as numbers when they are numbers', () => {
  assert.equal(parameterSortValue('2e-5'), 2e-5);
  assert.equal(parameterSortValue(' 16 '), 16);
  assert.equal(parameterSortValue('adamw'), 'adamw');
  assert.equal(parameterSortValue(''), '');
  assert.equal(parameterSortValue(true), 1);
  assert.equal(parameterSortValue(undefined), null);
});

test('a header cycles ascending, descending, unsorted; another header starts ascending', () => {
  assert.deepEqual(nextSort(null, 'step'), { column: 'step', descending: false });
  assert.deepEqual(nextSort({ column: 'step', descending: false }, 'step'), { column: 'step', descending: true });
  assert.equal(nextSort({ column: 'step', descending: true }, 'step'), null);
  assert.deepEqual(nextSort({ column: 'step', descending: true }, 'loss'), { column: 'loss', descending: false });
});

test('a saved sort of a foreign shape is dropped', () => {
  assert.deepEqual(restoreSort({ column: 'loss', descending: true }), { column: 'loss', descending: true });
  assert.equal(restoreSort({ column: 3, descending: true }), null);
  assert.equal(restoreSort({ column: 'loss' }), null);
  assert.equal(restoreSort('loss'), null);
});

const runs = [
  { parameters: { learning_rate: 2e-5, seed: 1, optim: 'adamw', output_dir: '/a' } },
  { parameters: { learning_rate: 5e-5, seed: 1, optim: 'adamw', output_dir: '/b' } },
  { parameters: { learning_rate: 2e-5, seed: 1, optim: 'adamw', output_dir: '/c', warmup: 10 } },
];

test('the parameters that differ between runs are the default columns, a run lacking one differing from one having it', () => {
  assert.deepEqual(differingParameters(runs), ['learning_rate', 'output_dir', 'warmup']);
  assert.deepEqual(differingParameters(runs.slice(0, 1)), []);
  // output_dir always differs between runs and names only the folder: a column only on demand.
  assert.deepEqual(parameterColumns(runs, [], []), ['learning_rate', 'warmup']);
});

test('the user adds any parameter and removes a default one; unknown names are ignored', () => {
  assert.deepEqual(parameterColumns(runs, ['seed', 'output_dir', 'gone'], ['warmup']), ['seed', 'output_dir', 'learning_rate']);
});

test('default columns are capped so that a sweep of many parameters keeps the table readable', () => {
  const many = [0, 1].map((i) => ({ parameters: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`p${String(k).padStart(2, '0')}`, i])) }));
  assert.equal(parameterColumns(many, [], []).length, MAX_DEFAULT_PARAM_COLUMNS);
  assert.equal(parameterColumns(many, ['p29'], []).length, MAX_DEFAULT_PARAM_COLUMNS + 1);
});
