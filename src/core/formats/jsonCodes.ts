/** What the in-place scanners of JSONL lines and trainer_state.json share: JSON's character codes, and the exact powers of ten. */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const MINUS = 45;
export const PLUS = 43;
export const DOT = 46;
export const ZERO = 48;
export const NINE = 57;
export const SMALL_E = 101;
export const BIG_E = 69;
export const LETTER_N = 110;
export const LETTER_T = 116;
export const LETTER_F = 102;
/** The first letters of Python's non-finite literals, NaN and Infinity. */
export const BIG_N = 78;
export const BIG_I = 73;

/** 10^0 … 10^22: every one is exact in a double, so a mantissa below 2^53 times or over one of them is rounded once, as `JSON.parse` rounds. */
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
