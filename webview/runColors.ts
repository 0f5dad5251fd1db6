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

/**
 * The theme's chart colours, then the same blended toward the text colour, starting two hues on: a pale blue
 * right after the six (the 7th run beside the 1st) was hard to tell from the blue.
 */
export function runPalette(base: readonly string[], foreground: string): string[] {
  const rotated = [...base.slice(2), ...base.slice(0, 2)];
  return [...base, ...rotated.map((color) => `color-mix(in srgb, ${color} 55%, ${foreground})`)];
}
