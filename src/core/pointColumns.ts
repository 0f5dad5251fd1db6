import type { PackedArrays } from './sortedSeries';
import type { MetricPoint } from './types';

/** Takes points as a reader decodes them; `epoch` and `wallTime` are undefined where the record has none. */
export interface PointWriter {
  add(key: string, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void;
}

/** The points as objects, for the formats and callers that take `MetricPoint[]`. */
export class PointList implements PointWriter {
  readonly points: MetricPoint[] = [];

  add(key: string, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void {
    // Built field by field: a point without an epoch has no `epoch` property, as the readers always made them.
    const point: { key: string; step: number; value: number; epoch?: number; wallTime?: number } = { key, step, value };
    if (epoch !== undefined) point.epoch = epoch;
    if (wallTime !== undefined) point.wallTime = wallTime;
    this.points.push(point);
  }
}

/** A series that takes a point at a time, or many in order (SortedSeries), as the axes are written. */
export interface AxisTarget {
  set(step: number, value: number): boolean;
  setAll(steps: Float64Array, values: Float64Array, length: number, arrays?: PackedArrays): boolean;
}

/** One key's points of a batch, in the order they were read. */
export interface KeyColumn {
  readonly key: string;
  readonly steps: Float64Array;
  readonly values: Float64Array;
}

const FIRST_CAPACITY = 512;
/** A guess never allocates more than this up front (2 MiB of arrays); more points grow them. */
const MAX_FIRST_CAPACITY = 1 << 16;
const HAS_EPOCH = 1;
const HAS_WALL_TIME = 2;

/** A copy of the first `length` entries in an array twice the size (one function per type keeps each call site monomorphic). */
function grownFloat64(array: Float64Array, length: number): Float64Array {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array.subarray(0, length));
  return bigger;
}

function grownInt32(array: Int32Array, length: number): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array.subarray(0, length));
  return bigger;
}

function grownUint8(array: Uint8Array, length: number): Uint8Array {
  const bigger = new Uint8Array(array.length * 2);
  bigger.set(array.subarray(0, length));
  return bigger;
}

/**
 * A PointColumns' points as plain arrays that move between threads without a copy (another thread's read,
 * added to this thread's columns by `appendExported`): `size` points, each a key (an index into `keys`), step,
 * value, and epoch and wall time where `fields` says it had them.
 */
export interface ExportedColumns {
  readonly size: number;
  readonly keys: readonly string[];
  readonly keyIds: Int32Array;
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly fields: Uint8Array;
  readonly epochs: Float64Array | undefined;
  readonly wallTimes: Float64Array | undefined;
}

/**
 * Whether `value` (a message from another thread: checked, not trusted) is ExportedColumns whose arrays hold
 * `size` points of known keys, each point's fields naming only the arrays it came with.
 */
export function isExportedColumns(value: unknown): value is ExportedColumns {
  if (typeof value !== 'object' || value === null) return false;
  const exported = value as Partial<Record<keyof ExportedColumns, unknown>>;
  const { size, keys } = exported;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return false;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return false;
  const holds = (array: unknown, type: typeof Float64Array | typeof Int32Array | typeof Uint8Array): boolean => array instanceof type && array.length >= size;
  if (!holds(exported.keyIds, Int32Array) || !holds(exported.fields, Uint8Array)) return false;
  if (!holds(exported.steps, Float64Array) || !holds(exported.values, Float64Array)) return false;
  if (![exported.epochs, exported.wallTimes].every((array) => array === undefined || holds(array, Float64Array))) return false;
  const keyIds = exported.keyIds as Int32Array;
  for (let i = 0; i < size; i++) if ((keyIds[i] as number) < 0 || (keyIds[i] as number) >= keys.length) return false;
  // Each point's fields name only arrays that were sent.
  const allowed = (exported.epochs === undefined ? 0 : HAS_EPOCH) | (exported.wallTimes === undefined ? 0 : HAS_WALL_TIME);
  const fields = exported.fields as Uint8Array;
  for (let i = 0; i < size; i++) if (((fields[i] as number) & ~allowed) !== 0) return false;
  return true;
}

/**
 * A reader's points as columns instead of one object per point: in the order they were read, each point's key
 * (as a number), step, value, and epoch and wall time where the record had them; and, built once when asked,
 * per key the typed arrays of its steps and values that the store appends in bulk. The read order is what the
 * axes need (two points of one step may carry two wall times, and the last written wins) and what `toPoints`
 * gives back exactly. The arrays grow by doubling and live as long as one chunk, so a chunk costs a few
 * allocations, not one per point.
 */
export class PointColumns implements PointWriter {
  /** Points added. */
  size = 0;
  /** The largest step added (`-Infinity` when none); steps that are NaN are not counted. */
  maxStep = -Infinity;
  private readonly keys: string[] = [];
  private readonly idByKey = new Map<string, number>();
  /** Points added per key number, so that the split by key knows where each key's points go without a counting pass. */
  private readonly keyCounts: number[] = [];
  private keyIds: Int32Array;
  private steps: Float64Array;
  private values: Float64Array;
  private fields: Uint8Array;
  private epochs: Float64Array | undefined;
  private wallTimes: Float64Array | undefined;
  /** Points with an epoch, and with a wall time: when every point has one, its axis is written in one call. */
  private epochCount = 0;
  private wallTimeCount = 0;
  private byKey: KeyColumn[] | undefined;

  /**
   * `expected`: how many points the reader guesses the chunk holds, so that the arrays rarely grow (they double
   * when they must). `limit` caps the guess; a reader guessing from bytes it already holds whole may raise it.
   */
  constructor(expected = FIRST_CAPACITY, limit = MAX_FIRST_CAPACITY) {
    const capacity = Math.max(FIRST_CAPACITY, Math.min(Math.ceil(expected), limit));
    this.keyIds = new Int32Array(capacity);
    this.steps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.fields = new Uint8Array(capacity);
  }

  add(key: string, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void {
    this.addWithId(this.keyId(key), step, value, epoch, wallTime);
  }

  /** The number `addWithId` takes for `key`: a reader whose keys repeat looks each one up once, not once a point. */
  keyId(key: string): number {
    let id = this.idByKey.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.idByKey.set(key, id);
      this.keys.push(key);
      this.keyCounts.push(0);
    }
    return id;
  }

  /** `add` for a key already numbered by `keyId`. */
  addWithId(id: number, step: number, value: number, epoch: number | undefined, wallTime: number | undefined): void {
    const at = this.size;
    if (at === this.keyIds.length) this.grow();
    this.keyIds[at] = id;
    this.keyCounts[id] = (this.keyCounts[id] as number) + 1;
    this.steps[at] = step;
    this.values[at] = value;
    let fields = 0;
    if (epoch !== undefined) {
      (this.epochs ??= new Float64Array(this.keyIds.length))[at] = epoch;
      fields = HAS_EPOCH;
      this.epochCount++;
    }
    if (wallTime !== undefined) {
      (this.wallTimes ??= new Float64Array(this.keyIds.length))[at] = wallTime;
      fields |= HAS_WALL_TIME;
      this.wallTimeCount++;
    }
    this.fields[at] = fields;
    if (step > this.maxStep) this.maxStep = step;
    this.size = at + 1;
    this.byKey = undefined;
  }

  /** Per key, in the order the keys first appear, its points' steps and values in the order read. */
  get columns(): readonly KeyColumn[] {
    return (this.byKey ??= this.splitByKey());
  }

  /** Whether any point carries an epoch or a wall time. */
  get hasAxes(): boolean {
    return this.epochs !== undefined || this.wallTimes !== undefined;
  }

  /**
   * Each point's epoch and wall time where it has them, in the order the points were read, to `epoch` and
   * `wallTime` as `set(step, value)` (the store's axis series); returns whether any call returned true. An axis
   * every point has (an event file's wall times) goes as one `setAll`, which is those calls in turn.
   */
  writeAxes(epoch: AxisTarget, wallTime: AxisTarget, arrays?: PackedArrays): boolean {
    const epochChanged = this.writeAxis(epoch, this.epochs, this.epochCount, HAS_EPOCH, arrays);
    return this.writeAxis(wallTime, this.wallTimes, this.wallTimeCount, HAS_WALL_TIME, arrays) || epochChanged;
  }

  private writeAxis(target: AxisTarget, times: Float64Array | undefined, count: number, field: number, arrays: PackedArrays | undefined): boolean {
    if (times === undefined || count === 0) return false;
    const { fields, steps, size } = this;
    if (count === size) return target.setAll(steps, times, size, arrays);
    let changed = false;
    for (let i = 0; i < size; i++) if ((fields[i] as number) & field && target.set(steps[i] as number, times[i] as number)) changed = true;
    return changed;
  }

  /** The points as arrays another thread can take: the arrays are this object's own, so transfer their buffers and drop it. */
  exported(): ExportedColumns {
    const { size, keys, keyIds, steps, values, fields, epochs, wallTimes } = this;
    return { size, keys, keyIds, steps, values, fields, epochs, wallTimes };
  }

  /**
   * Adds the points another PointColumns exported after these, in their order: as if they had been added here.
   * The arrays are copied whole and only the key numbers are mapped (added a point at a time, the 500,000
   * points of a trainer_state.json's second half took 12 ms).
   */
  appendExported(other: ExportedColumns): void {
    const ids = Int32Array.from(other.keys, (key) => this.keyId(key));
    const count = other.size;
    const at = this.size;
    while (this.keyIds.length < at + count) this.grow();
    const { keyIds, fields, epochs, wallTimes } = other;
    const keyCounts = this.keyCounts;
    for (let i = 0; i < count; i++) {
      const id = ids[keyIds[i] as number] as number;
      this.keyIds[at + i] = id;
      keyCounts[id] = (keyCounts[id] as number) + 1;
    }
    this.steps.set(other.steps.subarray(0, count), at);
    this.values.set(other.values.subarray(0, count), at);
    this.fields.set(fields.subarray(0, count), at);
    let epochCount = 0;
    let wallTimeCount = 0;
    for (let i = 0; i < count; i++) {
      const has = fields[i] as number;
      epochCount += has & HAS_EPOCH;
      wallTimeCount += (has & HAS_WALL_TIME) >> 1;
    }
    // A point without the field has 0 there, as addWithId leaves an unwritten slot: the arrays are copied as they are.
    if (epochCount > 0) (this.epochs ??= new Float64Array(this.keyIds.length)).set((epochs as Float64Array).subarray(0, count), at);
    if (wallTimeCount > 0) (this.wallTimes ??= new Float64Array(this.keyIds.length)).set((wallTimes as Float64Array).subarray(0, count), at);
    this.epochCount += epochCount;
    this.wallTimeCount += wallTimeCount;
    const steps = this.steps;
    for (let i = at; i < at + count; i++) if ((steps[i] as number) > this.maxStep) this.maxStep = steps[i] as number;
    this.size = at + count;
    this.byKey = undefined;
  }

  /** The same points as objects, in the order they were read (for a plan that renames keys, or a format of final values). */
  toPoints(): MetricPoint[] {
    const list = new PointList();
    for (let i = 0; i < this.size; i++) {
      const has = this.fields[i] as number;
      list.add(
        this.keys[this.keyIds[i] as number] as string,
        this.steps[i] as number,
        this.values[i] as number,
        has & HAS_EPOCH ? this.epochs?.[i] : undefined,
        has & HAS_WALL_TIME ? this.wallTimes?.[i] : undefined,
      );
    }
    return list.points;
  }

  /**
   * One pass: every key's points go to its own stretch of one steps array and one values array, in read order,
   * and each key's columns are views of its stretch. Two arrays a chunk, not two a key: allocating the typed
   * arrays of ten keys took as long as filling them.
   */
  private splitByKey(): KeyColumn[] {
    const { keyIds, keyCounts, size } = this;
    const steps = new Float64Array(size);
    const values = new Float64Array(size);
    const next = new Int32Array(keyCounts.length);
    let start = 0;
    const columns = this.keys.map((key, id) => {
      const end = start + (keyCounts[id] as number);
      next[id] = start;
      const column = { key, steps: steps.subarray(start, end), values: values.subarray(start, end) };
      start = end;
      return column;
    });
    const pointSteps = this.steps;
    const pointValues = this.values;
    for (let i = 0; i < size; i++) {
      const id = keyIds[i] as number;
      const at = next[id] as number;
      next[id] = at + 1;
      steps[at] = pointSteps[i] as number;
      values[at] = pointValues[i] as number;
    }
    return columns;
  }

  private grow(): void {
    const length = this.size;
    this.keyIds = grownInt32(this.keyIds, length);
    this.steps = grownFloat64(this.steps, length);
    this.values = grownFloat64(this.values, length);
    this.fields = grownUint8(this.fields, length);
    if (this.epochs !== undefined) this.epochs = grownFloat64(this.epochs, length);
    if (this.wallTimes !== undefined) this.wallTimes = grownFloat64(this.wallTimes, length);
  }
}

/** What a reader hands the store: objects, or the same points as columns. */
export type PointBatch = readonly MetricPoint[] | PointColumns;

/** The batch as objects; columns are turned back into points in the order they were read. */
export function batchPoints<Points extends readonly MetricPoint[]>(batch: Points | PointColumns): Points | MetricPoint[] {
  return batch instanceof PointColumns ? batch.toPoints() : batch;
}
