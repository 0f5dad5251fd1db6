/** One number a log wrote: `key` exactly as the log spelled it. Non-finite values are kept as NaN/±Infinity. */
export interface MetricPoint {
  readonly key: string;
  readonly step: number;
  readonly value: number;
  readonly epoch?: number;
  readonly wallTime?: number;
}

/** A series as the views use it: steps sorted and unique, the last value written for a step winning. */
export interface Series {
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/** Something a reader could not use, said in words a user can act on. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** A format's id, as its descriptor in `formats/registry.ts` names it. */
export type FormatId = string;
