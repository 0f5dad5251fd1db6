import type { WarningSeverity } from './warningSettings';

export type WarningKind = 'misleading-loss' | 'overfitting' | 'plateau' | 'instability' | 'checkpoint-disagreement';
export type Confidence = 'high' | 'medium' | 'low';

/** Which shape of its rule a warning has: the views may word or place them differently. */
export type WarningForm =
  | 'rising'
  | 'holding'
  | 'train-loss-falling'
  | 'cause-unknown'
  | 'accuracy-plateau'
  | 'loss-plateau-accuracy-rising'
  | 'loss-plateau'
  | 'non-finite'
  | 'spike'
  | 'divergence'
  | 'disagreement';

/** Warnings are data: the views only present them. `evidence` holds the numbers the message rests on. */
export interface Warning {
  readonly kind: WarningKind;
  readonly form: WarningForm;
  readonly confidence: Confidence;
  /** The step the warning is about now (the latest evidence, or the checkpoint it recommends). */
  readonly step: number;
  /** The step where the condition begins (the loss minimum, the first NaN, the start of a plateau). */
  readonly startStep: number;
  readonly message: string;
  /** Named steps, values and p-values, e.g. `bestLossStep`, `lossTrendP`. */
  readonly evidence: Readonly<Record<string, number>>;
  /** Set where the user's settings are applied (the editor); analysis itself leaves it out. */
  readonly severity?: WarningSeverity;
}
