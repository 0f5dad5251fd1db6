import type { PointColumns, PointWriter } from '../pointColumns';

const HAS_EPOCH = 1;
const HAS_WALL_TIME = 2;
const FIRST_CAPACITY = 1024;

/**
 * The points another thread read from a log_history's last entries, as plain arrays that move between threads
 * without a copy: `size` points, each a key (an index into `keys`), step, value, and epoch and wall time where
 * `marks` says it had them (1: epoch, 2: wall time); `end` is where that read of the array ended (-1: none).
 */
export interface TailPoints {
  readonly end: number;
  readonly size: number;
  readonly keys: readonly string[];
  readonly keyIds: Int32Array;
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly epochs: Float64Array;
  readonly wallTimes: Float64Array;
  readonly marks: Uint8Array;
}

/** Takes the points of a log_history's tail in the order read, into arrays that grow by doubling (a guess of the count sizes them first). */
export class TailRecorder implements PointWriter {
  private size = 0;
  private readonly keys: string[] = [];
  private readonly idByKey = new Map<string, number>();
  private keyIds: Int32Array;
  private steps: Float64Array;
  private values: Float64Array;
  private epochs: Float64Array;
  private wallTimes: Float64Array;
  private marks: Uint8Array;

  constructor(expected: number) {
    const capacity = Math.max(FIRST_CAPACITY, Math.ceil(expected));
    this.keyIds = new Int32Array(capacity);
    this.steps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.epochs = new Float64Array(capacity);
    this.wallTimes = new Float64Array(capacity);
    this.marks = new Uint8Array(capacity);
  }

  add(key: string, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void {
    this.addWithId(this.keyId(key), step, value, epoch, wallTime);
  }

  keyId(key: string): number {
    let id = this.idByKey.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.idByKey.set(key, id);
      this.keys.push(key);
    }
    return id;
  }

  addWithId(id: number, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void {
    const at = this.size;
    if (at === this.keyIds.length) this.grow();
    this.keyIds[at] = id;
    this.steps[at] = step;
    this.values[at] = value;
    let marks = 0;
    if (epoch !== undefined) {
      this.epochs[at] = epoch;
      marks = HAS_EPOCH;
    }
    if (wallTime !== undefined) {
      this.wallTimes[at] = wallTime;
      marks |= HAS_WALL_TIME;
    }
    this.marks[at] = marks;
    this.size = at + 1;
  }

  /** What the read gave, ending at `end`; the arrays' buffers are the ones to transfer. */
  points(end: number): TailPoints {
    const { size, keys, keyIds, steps, values, epochs, wallTimes, marks } = this;
    return { end, size, keys, keyIds, steps, values, epochs, wallTimes, marks };
  }

  private grow(): void {
    const twice = <T extends Int32Array | Float64Array | Uint8Array>(array: T, make: (length: number) => T): T => {
      const bigger = make(array.length * 2);
      bigger.set(array);
      return bigger;
    };
    this.keyIds = twice(this.keyIds, (n) => new Int32Array(n));
    this.steps = twice(this.steps, (n) => new Float64Array(n));
    this.values = twice(this.values, (n) => new Float64Array(n));
    this.epochs = twice(this.epochs, (n) => new Float64Array(n));
    this.wallTimes = twice(this.wallTimes, (n) => new Float64Array(n));
    this.marks = twice(this.marks, (n) => new Uint8Array(n));
  }
}

/** Whether a message is TailPoints whose arrays hold `size` points of known keys (it came from another thread: checked, not trusted). */
export function isTailPoints(message: unknown): message is TailPoints {
  if (typeof message !== 'object' || message === null) return false;
  const tail = message as Partial<Record<keyof TailPoints, unknown>>;
  const { size, end, keys } = tail;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || typeof end !== 'number' || !Number.isInteger(end)) return false;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return false;
  const holds = (array: unknown, type: typeof Float64Array | typeof Int32Array | typeof Uint8Array): boolean => array instanceof type && array.length >= size;
  if (!holds(tail.keyIds, Int32Array) || !holds(tail.marks, Uint8Array)) return false;
  if (![tail.steps, tail.values, tail.epochs, tail.wallTimes].every((array) => holds(array, Float64Array))) return false;
  const keyIds = tail.keyIds as Int32Array;
  for (let i = 0; i < size; i++) if ((keyIds[i] as number) < 0 || (keyIds[i] as number) >= keys.length) return false;
  return true;
}

/** Adds the tail's points to `columns` in the order they were read, after the ones there: as if one scan had read them all. */
export function appendTail(tail: TailPoints, columns: PointColumns): void {
  const ids = tail.keys.map((key) => columns.keyId(key));
  const { keyIds, steps, values, epochs, wallTimes, marks } = tail;
  for (let i = 0; i < tail.size; i++) {
    const has = marks[i] as number;
    columns.addWithId(
      ids[keyIds[i] as number] as number,
      steps[i] as number,
      values[i] as number,
      has & HAS_EPOCH ? epochs[i] : undefined,
      has & HAS_WALL_TIME ? wallTimes[i] : undefined,
    );
  }
}
