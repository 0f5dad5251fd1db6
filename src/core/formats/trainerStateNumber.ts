import { MINUS, PLUS, DOT, ZERO, NINE, SMALL_E, BIG_E, POWERS_OF_TEN } from './jsonCodes';
/** Each power of ten split into two halves of at most 26 bits (Veltkamp), for products computed exactly. */
const SPLITTER = 134217729;
const POWER_HIGHS = POWERS_OF_TEN.map((p) => SPLITTER * p - (SPLITTER * p - p));
const POWER_LOWS = POWERS_OF_TEN.map((p, k) => p - (POWER_HIGHS[k] as number));
/** Rump, Ogita and Oishi's constants for the unit in the first place of a double: 2^52 + 1 and 1 − 2^-53. */
const PHI = 2 ** 52 + 1;
const ONE_MINUS_HALF_EPSILON = 1 - 2 ** -53;
const TWO_53 = 2 ** 53;
const TWO_26 = 2 ** 26;
/** Digits read exactly into one double; up to four more are kept apart (19 in all, below 2^64). */
const HEAD_DIGITS = 15;
const MAX_DIGITS = 19;
/** How far inside half a spacing a residual must lie for the rounding to be certain (the residual's own error is below 2^-38 of one). */
const SAFE_HALF = 0.999999;

const decoder = new TextDecoder('utf-8');

const PRIMING_ROUNDS = 4;
const PRIMING = ['-1.5e-7,', '2E+5,', '0.000049999250000000004,', '1.0526166507042944,', '123456789012345678901,', '1e400,', '7,'].map((text) =>
  Uint8Array.from(text, (char) => char.charCodeAt(0)),
);

/**
 * Reads JSON numbers from UTF-8 bytes to the double `JSON.parse` gives, without a string per number. A
 * mantissa below 2^53 scaled by a power of ten up to 10^22 is rounded once, as `JSON.parse` rounds. Up to 19
 * digits over a power of ten (what Python's `repr` writes for a float: 16 or 17 digits) are divided in double
 * double arithmetic and the quotient's rounding checked against the exact residual; a quotient too close to
 * a tie to be sure, and any other number, is read by `Number` from its text (1,188 of the benchmark state's
 * 1,000,003 numbers, all learning rates below 10^-6 written with 17 digits: a scale past 10^-22).
 */
export class ByteNumberReader {
  /** Where the number `read` last read ends. */
  end = 0;

  /** The first 15 significant digits read, as an integer; the next ones (tail) and their counts. */
  private head = 0;
  private tail = 0;
  private digits = 0;
  private tailDigits = 0;

  /** What `scan` last read. */
  value = 0;

  constructor() {
    // Every path of the reader taken on numbers of each shape: V8 optimizes it after a few thousand numbers,
    // and a shape first met after that (an exponent, a minus, a scale past 10^22) would send the optimized
    // code back to the interpreter, about 13 ms of recompiling each time on the benchmark's state. Several
    // rounds: V8 records what a function meets only from its eighth call or so.
    for (let round = 0; round < PRIMING_ROUNDS; round++) for (const text of PRIMING) this.scan(text, 0);
  }

  /** The JSON number at `start` (its end in `end`), or NaN when the bytes there are not one. */
  read(bytes: Uint8Array, start: number): number {
    return this.scan(bytes, start) ? this.value : NaN;
  }

  /**
   * Reads the JSON number at `start` into `value` (its end in `end`); false when the bytes there are not one.
   * The scan's way: a double returned from a call that is not inlined is a heap number allocated per number.
   */
  scan(bytes: Uint8Array, start: number): boolean {
    let i = start;
    let c = bytes[i] as number;
    const negative = c === MINUS;
    if (negative) c = bytes[++i] as number;
    this.head = 0;
    this.tail = 0;
    this.digits = 0;
    this.tailDigits = 0;
    let scale = 0;
    if (c === ZERO) c = bytes[++i] as number;
    else if (c > ZERO && c <= NINE) {
      i = this.digitRun(bytes, i);
      c = bytes[i] as number;
    } else return false;
    if (c === DOT) {
      c = bytes[++i] as number;
      if (!(c >= ZERO && c <= NINE)) return false;
      // Zeros before the first significant digit only scale.
      if (this.digits === 0)
        while (c === ZERO) {
          scale--;
          c = bytes[++i] as number;
        }
      const fractionStart = i;
      i = this.digitRun(bytes, i);
      scale -= i - fractionStart;
      c = bytes[i] as number;
    }
    if (c === SMALL_E || c === BIG_E) {
      c = bytes[++i] as number;
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = bytes[++i] as number;
      if (!(c >= ZERO && c <= NINE)) return false;
      let exponent = 0;
      while (c >= ZERO && c <= NINE) {
        if (exponent < 1000) exponent = exponent * 10 + (c - ZERO);
        c = bytes[++i] as number;
      }
      scale += negativeExponent ? -exponent : exponent;
    }
    this.end = i;
    const value = this.digits > MAX_DIGITS ? NaN : this.magnitude(this.head, this.tail, this.tailDigits, scale);
    if (Number.isNaN(value)) this.value = Number(decoder.decode(bytes.subarray(start, i)));
    else this.value = negative ? -value : value;
    return true;
  }

  /**
   * The digits from `i` on into head and tail; returns where they end. Four at a time while the head has room
   * for them: each group's value is formed apart, so the head waits on one multiply and add per four digits.
   */
  private digitRun(bytes: Uint8Array, start: number): number {
    let i = start;
    let head = this.head;
    let digits = this.digits;
    const fourEnd = bytes.length - 4;
    while (digits <= HEAD_DIGITS - 4 && i <= fourEnd) {
      const d0 = (bytes[i] as number) - ZERO;
      const d1 = (bytes[i + 1] as number) - ZERO;
      const d2 = (bytes[i + 2] as number) - ZERO;
      const d3 = (bytes[i + 3] as number) - ZERO;
      if (d0 >>> 0 > 9 || d1 >>> 0 > 9 || d2 >>> 0 > 9 || d3 >>> 0 > 9) break;
      head = head * 10000 + (d0 * 1000 + d1 * 100 + d2 * 10 + d3);
      digits += 4;
      i += 4;
    }
    let tail = this.tail;
    let tailDigits = this.tailDigits;
    for (;;) {
      const c = bytes[i] as number;
      if (!(c >= ZERO && c <= NINE)) break;
      if (digits < HEAD_DIGITS) head = head * 10 + (c - ZERO);
      else {
        tail = tail * 10 + (c - ZERO);
        tailDigits++;
      }
      digits++;
      i++;
    }
    this.head = head;
    this.digits = digits;
    this.tail = tail;
    this.tailDigits = tailDigits;
    return i;
  }

  /** head · 10^tailDigits + tail, times 10^scale, correctly rounded; NaN when it cannot be decided here. */
  private magnitude(head: number, tail: number, tailDigits: number, scale: number): number {
    const power = POWERS_OF_TEN[tailDigits] as number;
    // Exact while below 2^53; at or past it, the rounded sum is too (rounding is monotone and 2^53 is a double).
    const whole = head * power + tail;
    if (whole < TWO_53) {
      if (scale === 0 || whole === 0) return whole;
      if (scale < 0 && scale >= -22) return whole / (POWERS_OF_TEN[-scale] as number);
      if (scale > 0 && scale <= 22) return whole * (POWERS_OF_TEN[scale] as number);
      return NaN;
    }
    if (scale >= 0 || scale < -22) return NaN;
    // The mantissa exactly as high + low: head's upper and lower 26 bits times 10^tailDigits are exact products.
    const headHigh = Math.floor(head / TWO_26);
    const a = headHigh * power * TWO_26;
    const b = (head - headHigh * TWO_26) * power + tail;
    const high = a + b;
    const low = b - (high - a);
    const k = -scale;
    const divisor = POWERS_OF_TEN[k] as number;
    const first = high / divisor;
    const firstResidual = this.residual(high, low, first, k);
    if (this.roundsTo(first, firstResidual, divisor)) return first;
    const second = first + firstResidual / divisor;
    return this.roundsTo(second, this.residual(high, low, second, k), divisor) ? second : NaN;
  }

  /**
   * Whether the quotient x + residual / divisor certainly rounds to x: it lies within half the spacing of
   * doubles on its side of x (below a power of two the spacing is half the one above). The power of two at
   * or below x is found by Rump's unit-in-the-first-place: exact for any positive normal double.
   */
  private roundsTo(x: number, residual: number, divisor: number): boolean {
    const scaled = PHI * x;
    const firstPlace = Math.abs(scaled - ONE_MINUS_HALF_EPSILON * scaled);
    const half = residual < 0 && x === firstPlace ? firstPlace * 2 ** -54 : firstPlace * 2 ** -53;
    return Math.abs(residual) < half * divisor * SAFE_HALF;
  }

  /** (high + low) − x · 10^k, with x · 10^k formed exactly (Dekker's product) and high − its upper part exact (Sterbenz). */
  private residual(high: number, low: number, x: number, k: number): number {
    const product = x * (POWERS_OF_TEN[k] as number);
    const split = SPLITTER * x;
    const xHigh = split - (split - x);
    const xLow = x - xHigh;
    const powerHigh = POWER_HIGHS[k] as number;
    const powerLow = POWER_LOWS[k] as number;
    const error = xHigh * powerHigh - product + xHigh * powerLow + xLow * powerHigh + xLow * powerLow;
    return high - product + (low - error);
  }
}
