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
export interface CurveProfile {
  readonly seed: number;
  readonly lossFloor: number;
  readonly turn: number;
  readonly rise: number;
  readonly base: number;
  readonly gain: number;
  readonly rate: number;
}
export const PROFILES: Readonly<Record<SimulatedFormat, CurveProfile>>;
/** The simulated curves of one profile; each call draws the next noise value. */
export function trainingCurves(profile: CurveProfile): {
  trainLoss(step: number): number;
  evalLoss(k: number): number;
  evalAccuracy(k: number): number;
};
