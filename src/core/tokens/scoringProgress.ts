/**
 * The scoring pass's share of an evaluation's progress when the exact temperature fit follows it: over 2,048
 * rows of 32,000 fp32 logits, the scoring pass took 0.38 to 0.42 of the CPU time and the fit's 3 passes the
 * rest (each pass about 0.5 of the scoring one).
 */
export const SCORING_SHARE = 0.4;
/**
 * The same where the rows' temperature moments are kept (evalComputation.ts): the fit then reads at most a few
 * rows again, and usually none (the moments cost about as much as the scoring itself, within the scoring pass).
 */
export const SCORING_SHARE_WITH_MOMENTS = 0.9;

/** Passes the exact fit usually makes (temperatureFit.ts): the rest of the bar is spread over this many. */
const TYPICAL_TEMPERATURE_PASSES = 3;

/**
 * Progress over every streamed pass of the logits, reported as one fraction that only grows and reaches 1
 * when the last pass is done, never before. The number of temperature passes is known only when the fit
 * converges: pass k takes an equal part of what is left over the passes still typical, and at least half of
 * what is left is kept for any further pass, so a fit that takes longer slows the bar instead of filling it.
 */
export class ScoringProgress {
  private start = 0;
  private share: number;
  private pass = 0;
  private last = 0;

  constructor(
    private readonly report: (fraction: number) => void,
    fitFollows: boolean,
    scoringShare = SCORING_SHARE,
  ) {
    this.share = fitFollows ? scoringShare : 1;
  }

  /** How far the current pass is, from 0 to 1. */
  within(fraction: number): void {
    const at = this.start + this.share * Math.min(1, Math.max(0, fraction));
    // The end is said only by `done`: a pass that ends is not the end of the work.
    if (at > this.last && at < 1) this.emit(at);
  }

  /** A temperature pass begins. */
  nextPass(): void {
    this.start += this.share;
    this.pass++;
    const left = 1 - this.start;
    this.share = left / Math.max(2, TYPICAL_TEMPERATURE_PASSES - this.pass + 1);
  }

  /** Every pass is done. */
  done(): void {
    this.emit(1);
  }

  private emit(fraction: number): void {
    this.last = fraction;
    this.report(fraction);
  }
}
