/**
 * A value axis tick, in the one number format the panel uses elsewhere (no thousands separators: 1200, as the
 * steps read): plain decimals between 0.001 and a million, short scientific notation outside (2e-5, not
 * Chart.js's 2.000000E-5 for a learning rate), and float noise (0.30000000000000004) rounded off.
 */
export function formatTick(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3)
    return value
      .toExponential(2)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(value.toPrecision(6)));
}
