/**
 * What the reading thread and the checking thread (tfrecordCheckWorker.ts) share: the file's bytes, and three
 * words. STATE is the count of bytes filled while the read goes on and `-1 - count` once it has ended, so that
 * one wait on one word sees both more bytes and the end. CHECKED is where the records the helper has checked
 * end: every record before it passed (the helper never moves it past a damaged record or a corrupt length).
 * STOP is set by the reading thread once it no longer needs the helper.
 */
export interface ChecksWork {
  readonly bytes: SharedArrayBuffer;
  readonly words: SharedArrayBuffer;
}

export const STATE = 0;
export const CHECKED = 1;
export const STOP = 2;
export const WORDS = 3;

export const filledOf = (state: number): number => (state < 0 ? -1 - state : state);
export const isFinal = (state: number): boolean => state < 0;
export const finalState = (filled: number): number => -1 - filled;
