import type { Framework } from './finding';
import type { PyCall, PyValue } from './syntax';

const ROOTS: Readonly<Record<string, Framework>> = {
  transformers: 'transformers',
  trl: 'transformers',
  keras: 'keras',
  tensorflow: 'keras',
  tf_keras: 'keras',
  lightning: 'lightning',
  pytorch_lightning: 'lightning',
  torch: 'torch',
  fastai: 'fastai',
};

/** The framework a call belongs to, by the package its callee was imported from. */
export function frameworkOf(call: PyCall): Framework | null {
  const root = call.qualified?.split('.')[0];
  return root === undefined ? null : (ROOTS[root] ?? null);
}

/** True when the call constructs one of `names` from `framework`, however it was imported or aliased. */
export function isCallOf(call: PyCall, framework: Framework, names: readonly string[]): boolean {
  if (frameworkOf(call) !== framework || call.qualified === null) return false;
  const name = call.qualified.split('.').pop();
  return name !== undefined && names.includes(name);
}

export function stringOf(value: PyValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}
