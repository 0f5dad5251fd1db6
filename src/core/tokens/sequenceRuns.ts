/**
 * Which sequence (eval example) each scored token came from, run-length encoded in token order: `lengths[i]`
 * consecutive tokens of sequence `ids[i]`. Tokens of one sequence are not independent, so paired tests count
 * sequences, not tokens; a [batch, seq] dump gives one run per sequence, so this stays small and crosses
 * JSON (the worker boundary, the cache) as plain numbers.
 */
export interface SequenceRuns {
  readonly ids: readonly number[];
  readonly lengths: readonly number[];
}

export class SequenceRunsBuilder {
  private readonly ids: number[] = [];
  private readonly lengths: number[] = [];

  push(id: number): void {
    const last = this.ids.length - 1;
    if (last >= 0 && this.ids[last] === id) this.lengths[last] = (this.lengths[last] as number) + 1;
    else {
      this.ids.push(id);
      this.lengths.push(1);
    }
  }

  result(): SequenceRuns {
    return { ids: this.ids, lengths: this.lengths };
  }
}

/** The number of tokens the runs cover. */
export function runTokens(runs: SequenceRuns): number {
  let total = 0;
  for (const length of runs.lengths) total += length;
  return total;
}
