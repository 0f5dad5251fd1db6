/** The demo workspace's `train.py`. */
export const DEMO_TRAIN_PY: string;
