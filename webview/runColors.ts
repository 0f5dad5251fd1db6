/**
 * Gives each run a palette slot once and keeps it: a run's colour does not change when runs appear,
 * disappear or are hidden. New runs take the least used slot, the earliest on a tie.
 */
export function assignColors(existing: Readonly<Record<string, number>>, runIds: readonly string[], paletteSize: number): Record<string, number> {
  const colors: Record<string, number> = {};
  const uses = new Array<number>(paletteSize).fill(0);
  for (const id of runIds) {
    const slot = existing[id];
    if (slot !== undefined && Number.isInteger(slot) && slot >= 0 && slot < paletteSize) {
      colors[id] = slot;
      uses[slot] = (uses[slot] as number) + 1;
    }
  }
  for (const id of runIds) {
    if (colors[id] !== undefined) continue;
    let best = 0;
    for (let slot = 1; slot < paletteSize; slot++) if ((uses[slot] as number) < (uses[best] as number)) best = slot;
    colors[id] = best;
    uses[best] = (uses[best] as number) + 1;
  }
  return colors;
}
