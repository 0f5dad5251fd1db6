import { baseName } from '../paths';
import type { HostReadFormat } from './logFormat';

/**
 * MLflow's SQLite tracking store (`mlflow.db`, the default from MLflow 3.7). It holds many runs, each shown
 * as a run of its own, `<db path>#<run uuid>`. The host reads its pages (src/node/mlflowDbReader.ts, with
 * sqliteBtree.ts); this descriptor only claims the file.
 */
/**
 * MLflow's default name, and the one its docs use for `sqlite:///mlruns.db`. Other `.db` files are not
 * opened: they are no MLflow store.
 */
const DB_NAMES = new Set(['mlflow.db', 'mlruns.db']);

export const MLFLOW_DB_FORMAT: HostReadFormat = {
  id: 'mlflow-db',
  label: 'MLflow SQLite store (mlflow.db)',
  kind: 'host',
  classify: (path) => (DB_NAMES.has(baseName(path)) ? { format: 'mlflow-db', runDirectory: path } : undefined),
};

/** SQLAlchemyStore writes ±inf as ±DBL_MAX (a NaN as 0 with `is_nan` set), as no SQL float holds them. */
export function mlflowDbValue(value: number, isNan: boolean): number {
  if (isNan) return Number.NaN;
  if (value >= 1.7976931348623157e308) return Number.POSITIVE_INFINITY;
  if (value <= -1.7976931348623157e308) return Number.NEGATIVE_INFINITY;
  return value;
}
