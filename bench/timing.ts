import { performance } from 'node:perf_hooks';

/** One line of the report: what was measured, the figures, and the ratio against its reference. */
export type Row = [string, string, string];

/** The median of `repeats` timed runs of `work`: one slow run (a GC pause, a busy core) does not move it. */
export async function medianMs(repeats: number, work: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1] as number;
}
