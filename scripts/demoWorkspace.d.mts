/** The demo workspace's `train.py`. */
export const DEMO_TRAIN_PY: string;
/** The curve profile of the demo notebook's training, and its number of evaluations. */
export const DEMO_NOTEBOOK_PROFILE: import('./simulateTraining.mjs').CurveProfile;
export const DEMO_NOTEBOOK_EVALS: number;
/** The demo workspace's `finetune.ipynb`, with the saved outputs of its training. */
export function demoNotebook(): string;
