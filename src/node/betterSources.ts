import { isBetterSource } from './sourcePlan';

/**
 * A better source (a trainer_state.json, a W&B history, LLaMA-Factory's trainer_log.jsonl) changes how the
 * console logs and TensorBoard files of its run are planned: they yield what it holds. Files planned before it
 * appeared are planned again when it is first read; its later reads (a trainer state is rewritten every save)
 * change no plan, so they plan nothing again.
 */
export class BetterSources {
  private readonly seen = new Set<string>();

  /** True the first time `path`, read with `format`, is read as a better source. */
  firstRead(format: string, path: string): boolean {
    if (!isBetterSource(format, path) || this.seen.has(path)) return false;
    this.seen.add(path);
    return true;
  }
}
