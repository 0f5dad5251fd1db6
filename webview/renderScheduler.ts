/**
 * When the panel draws: what the user does at the next frame, new data from live runs at most every other
 * render's length, so that with many runs appending the panel spends at least half its time free for the user.
 */
export class RenderScheduler {
  private pending = false;
  private dataTimer: ReturnType<typeof setTimeout> | undefined;
  private last = { end: 0, ms: 0 };

  constructor(private readonly render: () => void) {}

  /** Draws at the next frame (what the user did, or a snapshot). */
  soon(): void {
    if (this.pending) return;
    this.pending = true;
    clearTimeout(this.dataTimer);
    this.dataTimer = undefined;
    requestAnimationFrame(() => {
      this.pending = false;
      const start = performance.now();
      this.render();
      this.last = { end: performance.now(), ms: performance.now() - start };
    });
  }

  /** Draws new live data once the panel has been free for as long as the last render took. */
  data(): void {
    if (this.pending || this.dataTimer !== undefined) return;
    const wait = this.last.end + this.last.ms - performance.now();
    if (wait <= 0) return this.soon();
    this.dataTimer = setTimeout(() => {
      this.dataTimer = undefined;
      this.soon();
    }, wait);
  }
}
