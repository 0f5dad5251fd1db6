export type SimulatedFormat = 'hf' | 'jsonl' | 'tensorboard' | 'lightning' | 'mlflow';
export interface SimulateOptions {
  readonly dir: string;
  readonly format: SimulatedFormat;
  readonly evals?: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  readonly onEval?: (step: number) => void;
}
/** Writes a simulated fine-tuning run into `dir`, eval by eval, in the given format. */
export function simulate(options: SimulateOptions): Promise<void>;
