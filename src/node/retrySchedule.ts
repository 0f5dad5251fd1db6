/** How often and how long a half-written file is retried before it is reported. */
const RETRY_DELAY_MS = 150;
const RETRIES_BEFORE_REPORT = 10;

export interface RetryTiming {
  readonly delayMs: number;
  readonly retriesBeforeReport: number;
}

/**
 * A whole file caught mid-rewrite (a trainer_state.json saved in place) reads as broken for a moment: reported
 * at once, every save would flash a problem. It is read again shortly instead, and reported only once it has
 * stayed broken for `retriesBeforeReport` tries; then it is tried ten times more slowly, and left (until the
 * watcher sees it change again) after three times as many tries, so a file that stays broken costs no timer.
 */
export class RetrySchedule {
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private disposed = false;

  constructor(
    private readonly reread: (path: string) => void,
    private readonly timing: RetryTiming = { delayMs: RETRY_DELAY_MS, retriesBeforeReport: RETRIES_BEFORE_REPORT },
  ) {}

  /** The file read as half-written once more: a re-read is armed unless one is. True when it is time to report it. */
  failed(path: string): boolean {
    const attempts = (this.attempts.get(path) ?? 0) + 1;
    this.attempts.set(path, attempts);
    const report = attempts > this.timing.retriesBeforeReport;
    if (this.timers.has(path) || this.disposed) return report;
    this.timers.set(
      path,
      setTimeout(
        () => {
          this.timers.delete(path);
          if (attempts <= this.timing.retriesBeforeReport * 3) this.reread(path);
        },
        report ? this.timing.delayMs * 10 : this.timing.delayMs,
      ),
    );
    return report;
  }

  /** The file read whole: a later half-written read starts the count again. */
  succeeded(path: string): void {
    this.attempts.delete(path);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
