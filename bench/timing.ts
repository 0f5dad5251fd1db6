import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

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

/** The median CPU time (user and system, ms) of `repeats` runs of `work`: what it costs, whoever else uses the cores. */
export async function cpuMs(repeats: number, work: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.cpuUsage();
    await work();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1] as number;
}

/**
 * The longest the event loop waited while `work` ran, in ms: how long the extension host would stop
 * answering the editor. Sampled every millisecond, so it is exact to about that.
 */
export async function longestBlockMs(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await work();
  delay.disable();
  return delay.max / 1e6;
}
