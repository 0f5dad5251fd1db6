export type WarningKind = 'misleading-loss' | 'overfitting' | 'plateau' | 'instability' | 'checkpoint-disagreement';
export type Confidence = 'high' | 'medium' | 'low';

/** Warnings are data: the views only present them. `evidence` holds the numbers the message rests on. */
export interface Warning {
  readonly kind: WarningKind;
  readonly confidence: Confidence;
  readonly step: number;
  readonly message: string;
  readonly evidence: Readonly<Record<string, number>>;
}
