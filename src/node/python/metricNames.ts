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

/** Whether a key a run logs is spelled as this framework names its metrics (Transformers prefixes `eval_`, Keras `val_`, fastai none). */
function spelledFor(framework: Framework, key: string): boolean {
  switch (framework) {
    case 'transformers':
      return key.startsWith('eval_');
    case 'keras':
      return key.startsWith('val_');
    case 'fastai':
      return !/^(eval|val|valid|validation)[_/]/.test(key);
    case 'lightning':
    case 'torch':
    case 'nanogpt':
      return !key.startsWith('eval_');
  }
}

/**
 * The key a fix writes, or null when none is known to be logged: told to follow a metric it never logs, the
 * Trainer stops with a KeyError at its first evaluation, Lightning with an error, and Keras callbacks do nothing.
 * `runKey` is the accuracy a run the script writes logs; `loggedKeys` those the script is read to log. A key
 * the script is read to log wins, the run's among them first (the script may have changed since the run); else
 * the run's, when spelled as this framework spells its keys.
 */
export function accuracyKeyFor(framework: Framework, runKey: string | null, loggedKeys: readonly string[]): string | null {
  // A key computed from evaluation outputs is the extension's, not the trainer's.
  const logged = runKey !== null && !COMPUTED_KEY_NAMES.has(runKey) && spelledFor(framework, runKey) ? runKey : null;
  if (loggedKeys.length > 0) return logged !== null && loggedKeys.includes(logged) ? logged : (loggedKeys[0] as string);
  return logged;
}
