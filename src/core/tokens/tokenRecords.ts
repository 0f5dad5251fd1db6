/**
 * What the scoring pass says about each scored token, kept for the per-token analysis between two evaluations
 * (tokenShift.ts): one entry per scored position, in scoring order (the order of `correctness`), as typed
 * arrays. NLL and confidence are absent when the outputs had only predictions.
 */
export interface TokenRecords {
  /** The label (target token id) of each scored position. */
  readonly labels: Int32Array;
  /** The sequence (eval example) and the position in it: what pairs a token between two evaluations. */
  readonly sequence: Int32Array;
  /**
   * The position of the label in its sequence: its column in [batch, seq] outputs; in flat outputs with a
   * `sequence_index` (the compact form keeps scored tokens only), its place among the sequence's scored
   * tokens; in flat outputs without one, its index (all one sequence).
   */
  readonly position: Int32Array;
  /** −log p(label) and the model's confidence, max p, as float32. */
  readonly nll?: Float32Array;
  readonly confidence?: Float32Array;
}

/**
 * Records are kept for at most this many tokens an evaluation (20 bytes each, about 53 MB in the cache):
 * beyond it the analysis says it was not kept rather than hold an unbounded amount.
 */
export const MAX_RECORD_TOKENS = 2_000_000;

class Grow<T extends Int32Array | Float32Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (size: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** Exactly the values pushed: the array itself when it is full, else a copy (a view would keep, send to the host and clone the spare capacity too). */
  values(): T {
    return this.length === this.data.length ? this.data : (this.data.slice(0, this.length) as T);
  }
}

const ints = (capacity: number): Grow<Int32Array> => new Grow(new Int32Array(capacity), (size) => new Int32Array(size));
const floats = (capacity: number): Grow<Float32Array> => new Grow(new Float32Array(capacity), (size) => new Float32Array(size));

/** Collects records token by token, as EvalComputation scores them; sized by the tokens scored, never by a header. */
export class TokenRecordsBuilder {
  private readonly labels: Grow<Int32Array>;
  private readonly sequence: Grow<Int32Array>;
  private readonly position: Grow<Int32Array>;
  private readonly nll: Grow<Float32Array>;
  private readonly confidence: Grow<Float32Array>;
  private withProbabilities = 0;
  /** Scored tokens so far per sequence of a flat dump: the place of the next one. */
  private readonly seen = new Map<number, number>();
  private overflow = false;

  /**
   * `expected`: the tokens there may be (the labels' count, already in memory), capped at MAX_RECORD_TOKENS.
   * Sized for them from the start, a compact dump's records (every label scored) are never regrown nor copied:
   * growing by doubling and copying out held up to three times their 20 MB a million tokens at once.
   */
  constructor(expected = 0) {
    const capacity = Math.max(1024, Math.min(expected, MAX_RECORD_TOKENS));
    this.labels = ints(capacity);
    this.sequence = ints(capacity);
    this.position = ints(capacity);
    this.nll = floats(capacity);
    this.confidence = floats(capacity);
  }

  /**
   * A scored token. `labelIndex` is where its label sits in the labels tensor; `sequenceLength` the columns
   * of [batch, seq] outputs (undefined for flat ones); `sequenceId` the flat dump's `sequence_index` of it.
   */
  push(
    label: number,
    labelIndex: number,
    sequenceLength: number | undefined,
    sequenceId: number | undefined,
    labelLogProb?: number,
    maxLogProb?: number,
  ): void {
    if (this.overflow) return;
    if (this.labels.length >= MAX_RECORD_TOKENS) {
      this.overflow = true;
      return;
    }
    this.labels.push(label);
    if (sequenceLength !== undefined) {
      this.sequence.push(Math.floor(labelIndex / sequenceLength));
      this.position.push(labelIndex % sequenceLength);
    } else if (sequenceId !== undefined) {
      const place = this.seen.get(sequenceId) ?? 0;
      this.seen.set(sequenceId, place + 1);
      this.sequence.push(sequenceId);
      this.position.push(place);
    } else {
      this.sequence.push(0);
      this.position.push(labelIndex);
    }
    if (labelLogProb === undefined || maxLogProb === undefined) return;
    this.nll.push(-labelLogProb);
    this.confidence.push(Math.exp(maxLogProb));
    this.withProbabilities++;
  }

  /** The records, or undefined when there were more tokens than MAX_RECORD_TOKENS. */
  result(): TokenRecords | undefined {
    if (this.overflow) return undefined;
    const complete = this.withProbabilities === this.labels.length && this.labels.length > 0;
    return {
      labels: this.labels.values(),
      sequence: this.sequence.values(),
      position: this.position.values(),
      ...(complete ? { nll: this.nll.values(), confidence: this.confidence.values() } : {}),
    };
  }
}
