import { baseName, parentOf } from '../paths';
import type { HostReadFormat } from './logFormat';

/**
 * Lightning's `hparams.yaml` beside a version's `metrics.csv` (or its tfevents): the run's hyperparameters.
 * YAML needs a parser package, so the host reads it (src/node/wholeFileSources.ts).
 */
export const LIGHTNING_HPARAMS_FORMAT: HostReadFormat = {
  id: 'lightning-hparams',
  label: 'Lightning hparams.yaml',
  kind: 'host',
  classify: (path) => (baseName(path) === 'hparams.yaml' ? { format: 'lightning-hparams', runDirectory: parentOf(path) } : undefined),
};

type Parameter = string | number | boolean;

/** Names a user may have given the run among its hyperparameters, in order of preference. */
const NAME_KEYS = ['run_name', 'experiment_name', 'name'];

/**
 * Flattens parsed hparams into `a.b.c` parameters: nested sections (`cfg:`) keep their path, lists become
 * their JSON text, nulls are dropped. Pure, so the flattening is tested without the YAML parser.
 */
export function hparamsRunInfo(value: unknown): { name?: string; parameters: Record<string, Parameter> } {
  const parameters: Record<string, Parameter> = {};
  const visit = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined) return;
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') {
      if (prefix !== '') parameters[prefix] = node;
    } else if (Array.isArray(node)) {
      if (prefix !== '') parameters[prefix] = JSON.stringify(node);
    } else if (typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) visit(child, prefix === '' ? key : `${prefix}.${key}`);
    }
  };
  visit(value, '');
  const name = NAME_KEYS.map((key) => parameters[key]).find((candidate): candidate is string => typeof candidate === 'string' && candidate !== '');
  return name === undefined ? { parameters } : { name, parameters };
}
