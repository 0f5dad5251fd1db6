import type { Framework } from './finding';

/** Transformers' own test: `greater_is_better` defaults to `not metric.endswith("loss")`. */
export function isLossMetric(name: string): boolean {
  return /loss$/i.test(name.trim());
}

/** Metrics where more is better; minimising one of these is a bug, not a judgement call. */
export function isAccuracyLikeMetric(name: string): boolean {
  return /acc|f1|auc|precision|recall|iou|dice|bleu|rouge|exact_match/i.test(name) && !isLossMetric(name);
}

/**
 * The key a fix writes: the run's own accuracy key when it is spelled the way this framework names its
 * metrics (Transformers prefixes `eval_`, Keras `val_`, fastai none), else the framework's usual name.
 */
export function accuracyKeyFor(framework: Framework, runKey: string | null, fallback: string): string {
  if (runKey === null) return fallback;
  switch (framework) {
    case 'transformers':
      return runKey.startsWith('eval_') ? runKey : fallback;
    case 'keras':
      return runKey.startsWith('val_') ? runKey : fallback;
    case 'fastai':
      return /^(eval|val|valid|validation)[_/]/.test(runKey) ? fallback : runKey;
    case 'lightning':
    case 'torch':
    case 'nanogpt':
      return runKey.startsWith('eval_') ? fallback : runKey;
  }
}
