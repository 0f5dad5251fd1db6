import { COMPUTED_KEYS } from '../../core/tokens/evalOutputsFormat';
import type { Framework } from './finding';

const COMPUTED_KEY_NAMES: ReadonlySet<string> = new Set(Object.values(COMPUTED_KEYS));

/** Transformers' own test: `greater_is_better` defaults to `not metric.endswith("loss")`. */
export function isLossMetric(name: string): boolean {
  return /loss$/i.test(name.trim());
}

/**
 * A metric name as a word of a key (`val_acc`, `eval/accuracy`, `roc_auc`, `rougeL`), not as letters inside
 * another word: "according", "previous" and "indices" are prose, which docstrings and prints are full of.
 */
const ACCURACY_WORD = /(?:^|[^a-z])(?:acc(?:uracy)?|f1|auc|auroc|precision|recall|m?iou|dice|(?:sacre)?bleu|rouge\w*|exact_match)(?![a-z])/i;
/** The same word in camelCase: `valAcc`, `valF1`, `mIoU`. */
const ACCURACY_CAMEL = /[a-z0-9](?:Acc(?:uracy)?|F1|AUC|Auc|Auroc|AUROC|Precision|Recall|IoU|IOU|Dice|Bleu|BLEU|Rouge\w*)(?![a-z])/;

/** Errors and perplexity: less is better, though their names do not end in "loss". */
const ERROR_WORD = /(?:^|[^a-z])(?:perplexity|ppl|wer|cer|error(?:_rate)?|mae|mse|rmse|mape)(?![a-z])/i;

export function isErrorMetric(name: string): boolean {
  return ERROR_WORD.test(name) && !isLossMetric(name);
}

/** Metrics where more is better; minimising one of these is a bug, not a judgement call. */
export function isAccuracyLikeMetric(name: string): boolean {
  return (ACCURACY_WORD.test(name) || ACCURACY_CAMEL.test(name)) && !isLossMetric(name);
}

/**
 * The key a fix writes: the run's own accuracy key when it is spelled the way this framework names its
 * metrics (Transformers prefixes `eval_`, Keras `val_`, fastai none), else the framework's usual name.
 */
export function accuracyKeyFor(framework: Framework, runKey: string | null, fallback: string): string {
  // A key computed from evaluation outputs is the extension's, not the trainer's: a Trainer told to follow
  // it fails at its first evaluation, as the metric is not among those it logs.
  if (runKey === null || COMPUTED_KEY_NAMES.has(runKey)) return fallback;
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
