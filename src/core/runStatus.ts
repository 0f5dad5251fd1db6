/** A run whose files were written this recently is live; TensorBoard's own refresh is 30 s, so twice that and more. */
export const LIVE_WINDOW_MS = 120_000;

export function isLive(updatedAt: number | null, now: number): boolean {
  return updatedAt !== null && now - updatedAt < LIVE_WINDOW_MS;
}
