/**
 * Which sequence (eval example) each scored token came from, run-length encoded in token order: `lengths[i]`
 * consecutive tokens of sequence `ids[i]`. Tokens of one sequence are not independent, so paired tests count
 * sequences, not tokens; a [batch, seq] dump gives one run per sequence, so this stays small and crosses
 * JSON (the worker boundary, the cache) as plain numbers.
 */
export interface SequenceRuns {
  readonly ids: readonly number[];
  readonly lengths: readonly number[];
  /** The summed NLL of each run's tokens, when every token had a log-probability: the NLL change is tested by sequence too. */
  readonly nll?: readonly number[];
}

export class SequenceRunsBuilder {
  private readonly ids: number[] = [];
  private readonly lengths: number[] = [];
  private readonly nll: number[] = [];
  private withNll = 0;
  private tokens = 0;

  /** A token of sequence `id`, with its NLL when it has one. */
  push(id: number, nll?: number): void {
    const last = this.ids.length - 1;
    if (last >= 0 && this.ids[last] === id) {
      this.lengths[last] = (this.lengths[last] as number) + 1;
      this.nll[last] = (this.nll[last] as number) + (nll ?? 0);
    } else {
      this.ids.push(id);
      this.lengths.push(1);
      this.nll.push(nll ?? 0);
    }
    this.tokens++;
    if (nll !== undefined) this.withNll++;
  }

  result(): SequenceRuns {
    return { ids: this.ids, lengths: this.lengths, ...(this.withNll === this.tokens && this.tokens > 0 ? { nll: this.nll } : {}) };
  }
}

/** The number of tokens the runs cover. */
export function runTokens(runs: SequenceRuns): number {
  let total = 0;
  for (const length of runs.lengths) total += length;
  return total;
}
