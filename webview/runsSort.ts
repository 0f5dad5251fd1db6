import type { RunView } from '../src/protocol';

/** The runs table's sort: a column's id and its direction; null keeps the host's order. */
export interface TableSort {
  readonly column: string;
  readonly descending: boolean;
}

/** What a row sorts by: numbers compare as numbers, text as text (numerals inside it by value); null sorts last. */
export type SortValue = number | string | null;

/** Parameter columns are named `param:<name>`, so that a parameter called "step" is not the Step column. */
export const PARAM_PREFIX = 'param:';

/** The sort value of each fixed column, in the order of the table's columns (the files column is not sorted). */
export const FIXED_SORT_VALUES: Readonly<Record<string, (run: RunView, live: boolean, label: string) => SortValue>> = {
  run: (_run, _live, label) => label,
  status: (_run, live) => (live ? 1 : 0),
  step: (run) => run.latest?.step ?? null,
  accuracy: (run) => run.latest?.accuracy ?? null,
  bestAccuracy: (run) => run.best.byAccuracy?.accuracy ?? null,
  loss: (run) => run.latest?.loss ?? lastValue(run.evalLoss?.values),
  bestLoss: (run) => run.best.byLoss?.loss ?? null,
  bestStep: (run) => run.best.byLoss?.step ?? null,
  definition: (run) => run.accuracyDefinition,
  warnings: (run) => run.warnings.length,
};

export function lastValue(values: readonly (number | null)[] | undefined): number | null {
  if (values === undefined) return null;
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

/** A parameter's value as it sorts: numbers (and numeric strings, as MLflow stores every param) by value. */
export function parameterSortValue(value: string | number | boolean | undefined): SortValue {
  if (value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const number = Number(value.trim());
  return value.trim() !== '' && Number.isFinite(number) ? number : value;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Numbers before text (a column mixing both still has one order), each in its own order; ties keep their order. */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return collator.compare(a ?? '', b ?? '');
}

/**
 * Items sorted by `valueOf`, stable (equal values keep the given order, so a live update does not shuffle
 * ties), with missing values last in either direction: a run with no value yet never leads the table.
 */
export function sortBy<T>(items: readonly T[], valueOf: (item: T) => SortValue, descending: boolean): T[] {
  const keyed = items.map((item, index) => ({ item, index, value: valueOf(item) }));
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === b.value ? a.index - b.index : a.value === null ? 1 : -1;
    const order = compareSortValues(a.value, b.value);
    return order !== 0 ? (descending ? -order : order) : a.index - b.index;
  });
  return keyed.map(({ item }) => item);
}

/** The next sort after a click on `column`: ascending first, then descending, then the host's order again. */
export function nextSort(current: TableSort | null, column: string): TableSort | null {
  if (current === null || current.column !== column) return { column, descending: false };
  return current.descending ? null : { column, descending: true };
}

/** A saved sort checked like any other input. */
export function restoreSort(saved: unknown): TableSort | null {
  if (typeof saved !== 'object' || saved === null) return null;
  const { column, descending } = saved as Record<string, unknown>;
  return typeof column === 'string' && column !== '' && typeof descending === 'boolean' ? { column, descending } : null;
}
