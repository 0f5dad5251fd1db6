/**
 * Where a file sits in MLflow's file store: `<root>/<experiment id>/<run id>/{metrics,params,tags}/<key>` and
 * `<root>/<experiment id>/<run id>/meta.yaml`. The root is usually `mlruns/` but can be any tracking folder,
 * so a run is recognised by its shape: a numeric experiment id above a 32-hex run id. Keys with `/` are
 * nested folders. Deleted experiments and runs wait in `<root>/.trash/` and are never read.
 */
export interface MlflowFile {
  readonly runDirectory: string;
  readonly area: 'metrics' | 'params' | 'tags' | 'meta';
  /** The metric, param or tag key (nested folders joined with `/`); empty for meta.yaml. */
  readonly key: string;
}

const RUN_ID = /^[0-9a-f]{32}$/;
const EXPERIMENT_ID = /^\d+$/;
const AREAS = new Set(['metrics', 'params', 'tags']);

export function mlflowFile(path: string): MlflowFile | undefined {
  const parts = path.split(/[\\/]/);
  for (let i = 2; i < parts.length - 1; i++) {
    const area = parts[i] ?? '';
    if (!AREAS.has(area)) continue;
    if (!RUN_ID.test(parts[i - 1] ?? '') || !EXPERIMENT_ID.test(parts[i - 2] ?? '')) continue;
    if (parts.slice(0, i - 2).includes('.trash')) return undefined;
    const runDirectory = path.slice(0, parts.slice(0, i).reduce((length, part) => length + part.length + 1, 0) - 1);
    return { runDirectory, area: area as 'metrics' | 'params' | 'tags', key: parts.slice(i + 1).join('/') };
  }
  const last = parts.length - 1;
  if (parts[last] === 'meta.yaml' && RUN_ID.test(parts[last - 1] ?? '') && EXPERIMENT_ID.test(parts[last - 2] ?? '') && !parts.includes('.trash')) {
    return { runDirectory: path.slice(0, path.length - 'meta.yaml'.length - 1), area: 'meta', key: '' };
  }
  return undefined;
}
